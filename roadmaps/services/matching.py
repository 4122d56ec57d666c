"""Reading a measure's text: its deadline as a schedule, its responsible parties
matched to the owner's bodies and schools, its document kind and indicators."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from infra.text import one_line
from roadmaps.deadlines import parse_deadline
from roadmaps.models import (
    DocumentKind,
    Measure,
    Roadmap,
)
from roadmaps.selectors.period import roadmap_period
from schools.models import Body, Municipality, Region, School


def deadline_schedule(text: str, *, roadmap: Roadmap) -> dict:
    """The parsed deadline as stored on a measure; never raises, unparsed is kept."""
    start, end = roadmap_period(roadmap)
    kind, dates, event = "unparsed", [], ""
    if (text or "").strip():
        try:
            schedule = parse_deadline(
                text, period_start=start, period_end=end, plan_start=roadmap.order_date
            )
            kind = schedule.kind
            dates = [d.isoformat() for d in schedule.dates]
            event = schedule.event or ""
        except Exception:  # noqa: BLE001  a parser bug must never block a save
            kind, dates, event = "unparsed", [], ""
    return {"deadline_kind": kind, "deadline_dates": dates, "deadline_event": event}


# Words by which a roadmap names "every school" as responsible.
ALL_SCHOOLS_RE = re.compile(
    r"(?<!\w)(ОО|ОУ|ОУ района|образовательные организации|образовательные учреждения|"
    r"общеобразовательные организации|общеобразовательные учреждения|школы|"
    r"руководители ОО|руководители ОУ|администрация ОО|администрации ОО)(?!\w)",
    re.IGNORECASE,
)


@dataclass
class Responsible:
    bodies: list = field(default_factory=list)
    schools: list = field(default_factory=list)
    all_schools: bool = False

    def as_json(self) -> list[dict]:
        items = [{"type": "body", "id": b.pk, "name": str(b)} for b in self.bodies]
        items += [{"type": "school", "id": s.pk, "name": s.short_name} for s in self.schools]
        if self.all_schools:
            items.append({"type": "all_schools", "id": None, "name": _("все школы")})
        return items


def responsible_candidate_querysets(owner):
    """The bodies and schools a roadmap of `owner` may name as responsible, as
    querysets not yet run (a form's choices). Filters by ids: no node is read."""
    if isinstance(owner, School):
        region_id, municipality_id, school_id = owner.region_id, owner.municipality_id, owner.pk
    elif isinstance(owner, Municipality):
        region_id, municipality_id, school_id = owner.region_id, owner.pk, None
    elif isinstance(owner, Region):
        region_id, municipality_id, school_id = owner.pk, None, None
    else:
        raise ValueError("owner must be a Region, a Municipality or a School")
    bodies = Body.objects.filter(region_id=region_id)
    schools = School.objects.filter(region_id=region_id, is_active=True)
    if school_id is not None:
        bodies = bodies.filter(
            Q(school_id=school_id)
            | Q(school__isnull=True, municipality_id=municipality_id)
            | Q(municipality__isnull=True)
        )
        schools = schools.filter(pk=school_id)
    elif municipality_id is not None:
        bodies = bodies.filter(
            Q(municipality_id=municipality_id, school__isnull=True) | Q(municipality__isnull=True)
        )
        schools = schools.filter(municipality_id=municipality_id)
    else:
        bodies = bodies.filter(municipality__isnull=True)
    return bodies, schools


def responsible_candidates(owner) -> tuple[list[Body], list[School]]:
    """The bodies and schools a roadmap of `owner` may name as responsible."""
    bodies, schools = responsible_candidate_querysets(owner)
    return list(bodies), list(schools)


def match_responsible(text: str, *, bodies, schools) -> Responsible:
    """Which bodies and schools `text` names; "ОО/ОУ" means every school unless a
    body of the owner is itself called so (in Saint Petersburg "ОО" is the
    education department). Longer names are matched first and consumed, so
    "Методический кабинет Управления образования" is one body, not two."""
    rest = f" {one_line(text)} "
    found = Responsible()
    names = []
    for body in bodies:
        for name in body.names:
            names.append((one_line(name), "body", body))
    for school in schools:
        for name in (school.short_name, school.code, school.fis_login):
            if name:
                names.append((one_line(name), "school", school))
    names.sort(key=lambda item: -len(item[0]))
    for name, kind, obj in names:
        if len(name) < 2:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        if not pattern.search(rest):
            continue
        rest = pattern.sub(" ", rest)
        target = found.bodies if kind == "body" else found.schools
        if obj not in target:
            target.append(obj)
    if ALL_SCHOOLS_RE.search(rest):
        found.all_schools = True
    return found


DOCUMENT_WORDS = [
    (DocumentKind.PROTOCOL, r"протокол"),
    (DocumentKind.ORDER, r"приказ"),
    (DocumentKind.CERTIFICATE, r"справк"),
    (DocumentKind.ANALYTIC_REPORT, r"аналитическ|отч[её]т|анализ"),
    (DocumentKind.PLAN, r"план"),
]


def document_kind_from_text(text: str) -> str:
    """The kind of the proving document named in `text`; "" when no text."""
    low = (text or "").lower()
    if not low.strip():
        return ""
    for kind, pattern in DOCUMENT_WORDS:
        if re.search(pattern, low):
            return kind
    return DocumentKind.OTHER


INDICATOR_RE = re.compile(
    r"(не менее|не ниже|не более|не выше|не меньше|не больше)\s+(\d+(?:[.,]\d+)?)\s*(%|процент\w*)?",
    re.IGNORECASE,
)


def indicators_from_text(text: str) -> list[dict]:
    """Target indicators written in a measure ("не менее 70% учителей …")."""
    found = []
    for match in INDICATOR_RE.finditer(text or ""):
        word = match.group(1).lower()
        comparator = ">=" if word in ("не менее", "не ниже", "не меньше") else "<="
        sentence_start = max(text.rfind(";", 0, match.start()), text.rfind(".", 0, match.start()))
        end_candidates = [
            i for i in (text.find(";", match.end()), text.find(".", match.end())) if i >= 0
        ]
        sentence_end = min(end_candidates) if end_candidates else len(text)
        found.append(
            {
                "text": text[sentence_start + 1 : sentence_end].strip()[:1000],
                "comparator": comparator,
                "target_value": Decimal(match.group(2).replace(",", ".")),
                "unit": "%" if match.group(3) else "",
            }
        )
    return found


def _match_picked(measure: Measure, roadmap: Roadmap, candidates=None, picked=None):
    """The responsible parties of `measure` (its text matched, hand picks preferred);
    sets `for_all_schools` on the instance and returns the match, saving nothing."""
    bodies, schools = candidates or responsible_candidates(roadmap.owner)
    found = match_responsible(measure.responsible_text, bodies=bodies, schools=schools)
    picked = picked or {}
    if picked.get("responsible_bodies") is not None:
        allowed = {b.pk for b in bodies}
        found.bodies = [b for b in picked["responsible_bodies"] if b.pk in allowed]
    if picked.get("responsible_schools") is not None:
        allowed = {s.pk for s in schools}
        found.schools = [s for s in picked["responsible_schools"] if s.pk in allowed]
    if picked.get("for_all_schools") is not None:
        found.all_schools = bool(picked["for_all_schools"])
    measure.for_all_schools = found.all_schools
    return found


def _apply_responsible(measure: Measure, roadmap: Roadmap, candidates=None, picked=None) -> None:
    """Link the responsible text to bodies and schools of the owner's scope; what the
    user picked by hand (`picked`: for_all_schools, responsible_bodies,
    responsible_schools) replaces the match for that field. Picks outside the
    owner's candidates are ignored."""
    found = _match_picked(measure, roadmap, candidates=candidates, picked=picked)
    measure.save(update_fields=["for_all_schools"])
    measure.responsible_bodies.set(found.bodies)
    measure.responsible_schools.set(found.schools)
