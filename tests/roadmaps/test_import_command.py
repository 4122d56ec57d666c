"""`manage.py import_roadmap`: the seeds through the command, dry runs, the JSON shape."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from roadmaps.models import Measure, Roadmap, Section
from schools.history import ChangeRecord

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
BALTIYSK = SEEDS / "baltiysk-2023-order-1081.txt"
KRASNOTURANSK = SEEDS / "krasnoturansk-2020-order-26.txt"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_roadmap", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts():
    return (
        Roadmap.objects.count(),
        Section.objects.count(),
        Measure.objects.count(),
        ChangeRecord.objects.count(),
    )


def test_a_dry_run_writes_nothing(world):
    before = counts()
    out, _err = run(BALTIYSK, "--owner", "77:A", "--dry-run")
    assert "ничего не записано" in out
    assert counts() == before


def test_it_imports_a_seed_for_a_municipality(world):
    out, _err = run(KRASNOTURANSK, "--owner", "77:A")
    roadmap = Roadmap.objects.get(municipality=world.muni_a, order_number="26")
    assert f"№{roadmap.pk}" in out
    assert roadmap.status == Roadmap.Status.DRAFT
    assert roadmap.measures.count() == 16
    last = roadmap.measures.get(number__startswith="16")
    assert last.deadline_text == "На постоянной основе в течение планового периода"
    assert roadmap.measures.filter(for_all_schools=True).count() >= 8  # the rows naming «ОУ»


def test_json_prints_the_shape_scripts_rely_on(world):
    world.body_a.aliases = "Отдел образования\nРМО"
    world.body_a.save()
    before = counts()
    out, _err = run(KRASNOTURANSK, "--owner", "edu770001", "--dry-run", "--json")
    data = json.loads(out)
    assert counts() == before
    assert set(data) >= {"order", "sections", "warnings"}
    assert set(data["order"]) == {"body", "number", "date", "place", "title", "signatory"}
    assert data["order"]["number"] == "26"
    measures = [m for s in data["sections"] for m in s["measures"]]
    assert len(measures) == 16
    first = measures[0]
    assert set(first) == {
        "number",
        "text",
        "participants",
        "result",
        "document",
        "deadline",
        "responsible",
    }
    assert set(first["deadline"]) == {"text", "kind", "dates"}
    assert first["deadline"]["text"] == "В течение периода"
    assert set(first["responsible"]) == {"text", "matched"}
    # A school owner reaches the bodies of its municipality.
    assert {"type": "body", "id": world.body_a.pk, "name": str(world.body_a)} in first[
        "responsible"
    ]["matched"]


@pytest.mark.parametrize("owner", ["99:нет", "edu990000", "город"])
def test_an_unknown_owner_is_refused_in_russian_and_nothing_written(world, owner):
    before = counts()
    with pytest.raises(CommandError, match=f"Владелец «{owner}» не найден"):
        run(BALTIYSK, "--owner", owner)
    assert counts() == before


def test_a_region_owner_gets_a_regional_roadmap(world):
    run(BALTIYSK, "--owner", "77")
    roadmap = Roadmap.objects.get(order_number="1081")
    assert roadmap.level == "region" and roadmap.region == world.region


def test_a_file_without_a_table_is_refused_and_nothing_written(world, tmp_path):
    bad = tmp_path / "письмо.txt"
    bad.write_text("Уважаемые коллеги!\nПросим представить сведения.\n", encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError, match="письмо.txt"):
        run(bad, "--owner", "77:A")
    assert counts() == before


def test_a_missing_file_is_refused(world, tmp_path):
    with pytest.raises(CommandError, match="не найден"):
        run(tmp_path / "нет.docx", "--owner", "77:A")


def test_the_demo_roadmaps_are_built_once(db):
    from roadmaps.demo import build_demo_roadmaps
    from schools.demo import build_demo_tree

    build_demo_tree()
    first = build_demo_roadmaps()
    assert first["imported"] == 3 and first["approved"] == 1 and first["reports"] == 3
    baltiysk = Roadmap.objects.get(order_number="1081")
    assert baltiysk.status == Roadmap.Status.IN_FORCE and baltiysk.requires_school_roadmaps
    reviews = sorted(
        baltiysk.measures.filter(assignments__reports__isnull=False).values_list(
            "assignments__reports__review_state", flat=True
        )
    )
    assert reviews == ["accepted", "returned", "submitted"]
    before = counts()
    again = build_demo_roadmaps()
    assert again == {"imported": 0, "approved": 0, "reports": 0}
    assert counts() == before


def _flat(parsed):
    rows = []
    for section in parsed.iter_sections():
        rows.append(("section", section.number, section.title))
        for m in section.measures:
            rows.append(
                (
                    "measure",
                    m.number,
                    m.text,
                    m.participants,
                    m.deadline_text,
                    m.responsible_text,
                    m.result,
                    m.document,
                    tuple(sorted(m.extra.items())),
                )
            )
    return rows


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_every_seed_is_saved_without_losing_a_word(world, seed):
    from roadmaps.importers import parse_roadmap_document
    from roadmaps.selectors.roadmap import roadmap_as_parsed
    from roadmaps.services.importing import roadmap_import

    parsed = parse_roadmap_document((SEEDS / seed).read_bytes(), seed)
    roadmap = roadmap_import(parsed, owner=world.muni_a, by=world.bob).roadmap
    saved = roadmap_as_parsed(roadmap)
    assert _flat(saved) == _flat(parsed)
    assert saved.preamble == parsed.preamble and saved.closing == parsed.closing
    assert saved.order.items == parsed.order.items
    assert roadmap.order_number == parsed.order.number


@pytest.mark.parametrize("fmt", ["xlsx", "docx"])
def test_a_saved_roadmap_exports_to_a_file_that_imports_back_the_same(client, world, fmt):
    from django.urls import reverse

    from roadmaps.importers import parse_roadmap_document
    from roadmaps.services.importing import roadmap_import

    seed = SEEDS / "baltiysk-2023-order-1081.txt"
    parsed = parse_roadmap_document(seed.read_bytes(), seed.name)
    roadmap = roadmap_import(parsed, owner=world.muni_a, by=world.bob).roadmap
    client.force_login(world.victor)
    response = client.get(
        reverse(f"roadmaps:roadmap-export-{fmt}", kwargs={"roadmap_pk": roadmap.pk})
    )
    assert response.status_code == 200 and response.content[:2] == b"PK"
    again = parse_roadmap_document(response.content, f"export.{fmt}")
    assert [row[:3] for row in _flat(again)] == [row[:3] for row in _flat(parsed)]
    assert [m.deadline_text for m in again.iter_measures()] == [
        m.deadline_text for m in parsed.iter_measures()
    ]


PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_the_order_pdf_this_product_builds_imports_back_the_same(world, seed):
    """The order is built from a saved roadmap (WeasyPrint), then imported from its PDF:
    the same header, sections, measures, deadlines and responsible parties."""
    from reports.services import document_render_bytes
    from roadmaps.importers import parse_roadmap_document
    from roadmaps.services.importing import roadmap_import

    parsed = parse_roadmap_document((SEEDS / seed).read_bytes(), seed)
    roadmap = roadmap_import(parsed, owner=world.muni_a, by=world.bob).roadmap
    pdf, pages = document_render_bytes(
        kind="order", fmt="pdf", params={"roadmap": roadmap.pk}, user=world.bob
    )
    assert pages >= 2
    again = parse_roadmap_document(pdf, "prikaz.pdf")
    assert again.source_format == "pdf"

    def sections(p):
        return [(s.number.rstrip("."), s.title) for s in p.iter_sections() if s.title or s.number]

    def measures(p):
        return [
            (
                m.number,
                " ".join(m.text.split()),
                m.deadline_text,
                " ".join(m.responsible_text.split()),
            )
            for m in p.iter_measures()
        ]

    assert sections(again) == sections(parsed)
    assert measures(again) == measures(parsed)
    assert (again.order.number, again.order.date) == (roadmap.order_number, roadmap.order_date)
    assert again.order.signatory == roadmap.order_signatory
    assert again.order.place == roadmap.order_place
    assert again.title == roadmap.title
    imported = roadmap_import(again, owner=world.muni_a, by=world.bob).roadmap

    def saved(r):
        return [
            (
                m.deadline_kind,
                m.deadline_dates,
                m.for_all_schools,
                sorted(b.pk for b in m.responsible_bodies.all()),
                sorted(s.pk for s in m.responsible_schools.all()),
            )
            for m in r.measures.order_by("section__position", "position")
        ]

    assert saved(imported) == saved(roadmap)


def test_the_command_imports_a_pdf_and_prints_the_same_json_as_for_its_word_file(world):
    name = "order-2022-novolesk"
    pdf_out, _err = run(PLANS / f"{name}.pdf", "--owner", "77:A", "--dry-run", "--json")
    docx_out, _err = run(PLANS / f"{name}.docx", "--owner", "77:A", "--dry-run", "--json")
    from_pdf, from_docx = json.loads(pdf_out), json.loads(docx_out)
    assert from_pdf["sections"] == from_docx["sections"]
    assert (
        from_pdf["order"]
        == from_docx["order"]
        == {
            "body": "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ НОВОЛЕСНОГО МУНИЦИПАЛЬНОГО ОКРУГА",
            "number": "245-од",
            "date": "2022-06-27",
            "place": "г. Новолесск",
            "title": from_docx["order"]["title"],
            "signatory": "Е.В. Соколова",
        }
    )
    first = from_pdf["sections"][0]["measures"][1]["deadline"]
    assert first == {
        "text": "сентябрь-октябрь",
        "kind": "month_range",
        "dates": ["2022-09-30", "2022-10-31"],
    }


def test_the_command_refuses_a_scan_in_russian_and_writes_nothing(world):
    before = counts()
    with pytest.raises(CommandError, match="нет текста"):
        run(PLANS / "order-scan.pdf", "--owner", "77:A")
    assert counts() == before
