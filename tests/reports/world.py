"""Documents in municipalities A and B, for the isolation sweep."""

from django.core.files.base import ContentFile

from reports.models import Document


def _document(world, municipality, user, marker):
    document = Document.objects.create(
        kind=Document.Kind.EXECUTION,
        format=Document.Format.PDF,
        params={"marker": marker},
        inputs_key=f"{marker:0<64}"[:64],
        title=f"Отчёт {municipality.name}",
        region=municipality.region,
        municipality=municipality,
        status=Document.Status.DONE,
        requested_by=user,
    )
    document.file.save(f"{marker}.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    return document


def populate(world):
    world.extra["document_a"] = _document(world, world.muni_a, world.bob, "a")
    world.extra["document_b"] = _document(world, world.muni_b, world.dan, "b")
