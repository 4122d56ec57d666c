"""One builder per document kind. A builder turns parameters into a context,
and the context into HTML (preview and PDF), DOCX and XLSX."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

REGISTRY: dict[str, Builder] = {}


class DocumentParamsError(ValueError):
    """The parameters do not name a document that can be built; the message is Russian."""


@dataclass
class Prepared:
    """What a builder found for the parameters, before building anything."""

    title: str
    region: object
    municipality: object = None
    school: object = None
    built_from: dict = field(default_factory=dict)  # versions and counts of the source data
    data: dict = field(default_factory=dict)  # objects the context needs, kept from prepare()


class Builder:
    kind: str = ""
    formats: tuple[str, ...] = ("pdf", "docx", "xlsx")
    template: str = ""

    def prepare(self, *, params: dict, user) -> Prepared:
        """Check the parameters and resolve the objects through the scoping rule.

        Raises Http404 for objects the user does not reach, DocumentParamsError
        for parameters that make no sense.
        """
        raise NotImplementedError

    def context(self, prepared: Prepared) -> dict:
        raise NotImplementedError

    def to_docx(self, context: dict) -> bytes:
        raise DocumentParamsError(_("Этот документ не выпускается в DOCX."))

    def to_xlsx(self, context: dict) -> bytes:
        raise DocumentParamsError(_("Этот документ не выпускается в XLSX."))


def register(builder_class):
    REGISTRY[builder_class.kind] = builder_class()
    return builder_class


def builder_for(kind: str) -> Builder:
    try:
        return REGISTRY[kind]
    except KeyError:
        raise DocumentParamsError(_("Неизвестный вид документа: %s.") % kind) from None
