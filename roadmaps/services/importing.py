"""A roadmap read from a document (importers/) written as a new roadmap, or shown
as JSON in a dry run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from roadmaps.models import (
    Indicator,
    Measure,
    Roadmap,
    Section,
)
from roadmaps.services.base import _record
from roadmaps.services.matching import (
    _apply_responsible,
    deadline_schedule,
    document_kind_from_text,
    indicators_from_text,
    match_responsible,
    responsible_candidates,
)
from roadmaps.services.roadmap import roadmap_create
from schools.models import Municipality, Region, School


@dataclass
class RoadmapImportResult:
    roadmap: Roadmap | None
    sections: int = 0
    measures: int = 0
    unparsed_deadlines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False


def roadmap_import(parsed, *, owner, by, dry_run: bool = False) -> RoadmapImportResult:
    """Create a draft roadmap of `owner` from a parsed document, in one transaction:
    the order's header, sections (nested), measures with parsed deadlines and
    matched responsible parties, indicators found in the text. With `dry_run`
    nothing stays written."""
    if not any(True for _m in parsed.iter_measures()):
        raise ValidationError(
            _("В документе не найдено ни одного мероприятия: нечего импортировать.")
        )
    order = parsed.order
    start, end = (parsed.period_start, parsed.period_end)
    title = (parsed.title or order.title or _("Дорожная карта")).strip()
    result = RoadmapImportResult(roadmap=None, warnings=list(parsed.warnings), dry_run=dry_run)
    candidates = responsible_candidates(owner)
    with transaction.atomic():
        roadmap = roadmap_create(
            owner=owner,
            title=title[:1000],
            by=by,
            period_start=start,
            period_end=end,
            preamble=parsed.preamble,
            closing=getattr(parsed, "closing", ""),
            approvals=[vars(a) for a in getattr(parsed, "approvals", [])],
            order_number=order.number[:50],
            order_date=order.date,
            order_place=order.place[:200],
            order_title=order.title[:1000],
            order_signatory=order.signatory[:200],
            order_signatory_position=order.signatory_position[:500],
            order_body=order.body[:500],
            order_preamble=order.preamble,
            order_items=list(order.items),
        )
        if not (start and end):
            roadmap.period_start, roadmap.period_end = parsed.effective_period()
            roadmap.save(update_fields=["period_start", "period_end"])

        def add_section(parsed_section, parent, position):
            section = Section.objects.create(
                roadmap=roadmap,
                parent=parent,
                number=parsed_section.number[:30],
                title=parsed_section.title[:1000],
                position=position,
            )
            result.sections += 1
            for index, pm in enumerate(parsed_section.measures, start=1):
                document_kind = document_kind_from_text(pm.document)
                measure = Measure(
                    roadmap=roadmap,
                    section=section,
                    number=pm.number[:30],
                    text=pm.text,
                    participants=pm.participants,
                    deadline_text=pm.deadline_text[:500],
                    responsible_text=pm.responsible_text,
                    result=pm.result,
                    document_text=pm.document[:500],
                    document_kind=document_kind,
                    requires_evidence=bool(document_kind),
                    extra=dict(getattr(pm, "extra", {}) or {}),
                    position=index,
                )
                for name, value in deadline_schedule(pm.deadline_text, roadmap=roadmap).items():
                    setattr(measure, name, value)
                if measure.deadline_kind == "unparsed" and pm.deadline_text.strip():
                    result.unparsed_deadlines.append(f"{pm.number} {pm.deadline_text}".strip())
                measure.save()
                _apply_responsible(measure, roadmap, candidates)
                for indicator in indicators_from_text(f"{pm.text}. {pm.result}"):
                    Indicator.objects.create(measure=measure, **indicator)
                result.measures += 1
            for index, child in enumerate(parsed_section.sections, start=1):
                add_section(child, section, index)

        for index, parsed_section in enumerate(parsed.sections, start=1):
            add_section(parsed_section, None, index)
        _record(
            obj=roadmap,
            action="import",
            by=by,
            after={
                "sections": result.sections,
                "measures": result.measures,
                "source": getattr(parsed, "source_format", ""),
            },
            roadmap=roadmap,
        )
        for text in result.unparsed_deadlines:
            result.warnings.append(
                _("Срок «%s» не распознан: он сохранён как написан, уточните его.") % text
            )
        result.roadmap = roadmap
        if dry_run:
            transaction.set_rollback(True)
    return result


def parsed_roadmap_json(parsed, *, owner) -> dict:
    """The shape `import_roadmap --json` prints, with responsible parties matched
    against the bodies and schools of `owner`."""
    bodies, schools = responsible_candidates(owner)

    def matcher(text):
        return match_responsible(text, bodies=bodies, schools=schools).as_json()

    return parsed.as_json(match_responsible=matcher)


def resolve_owner(code: str):
    """The owner named on the command line: "39" (region), "39:01" (municipality),
    "39:390101" or a ФИС ОКО login "edu390101" (school). None when nothing matches."""
    from schools.models import parse_fis_login

    code = (code or "").strip()
    if parse_fis_login(code):
        return (
            School.objects.filter(fis_login=code.lower())
            .select_related("municipality", "region")
            .first()
        )
    if re.fullmatch(r"\d{1,2}", code):
        return Region.objects.filter(code=code.zfill(2)).first()
    match = re.fullmatch(r"(\d{1,2}):(.+)", code)
    if match:
        region_code, rest = match.group(1).zfill(2), match.group(2).strip()
        municipality = Municipality.objects.filter(region__code=region_code, code=rest).first()
        if municipality is not None:
            return municipality
        return (
            School.objects.filter(region__code=region_code, code=rest)
            .select_related("municipality", "region")
            .first()
        )
    return None
