"""What a roadmap document parser finds, before anything is saved. Pure data.

INTERFACE (the importer fills it, the import service and command read it):
`ParsedRoadmap.as_json()` gives exactly the shape `import_roadmap --json` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date


@dataclass
class ParsedOrder:
    number: str = ""
    date: date | None = None
    place: str = ""
    title: str = ""
    signatory: str = ""  # name as written, e.g. "О.И. Матасова"
    signatory_position: str = ""
    body: str = ""  # the issuing body as in the header, e.g. "ОТДЕЛ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ ..."
    preamble: str = ""
    items: list[str] = field(default_factory=list)  # the numbered items after ПРИКАЗЫВАЮ
    date_text: str = ""  # the date as written, e.g. "от «29» декабря 2023 года"


@dataclass
class ParsedApproval:
    """An «Утверждено» / «Согласовано» block of a plan approved without an order."""

    label: str  # as written: "Утверждено", "СОГЛАСОВАНО"
    position: str = ""
    name: str = ""
    date_text: str = ""


@dataclass
class ParsedMeasure:
    number: str  # as written: "2.17", "14.", "" when the row has none
    text: str
    participants: str = ""
    deadline_text: str = ""
    responsible_text: str = ""
    result: str = ""
    document: str = ""  # the document that proves it (Формат документа / Форма отчётности)
    source_row: int | None = None  # row in the source table, for warnings
    extra: dict[str, str] = field(default_factory=dict)  # unrecognised column header -> text


@dataclass
class ParsedSection:
    number: str  # "1", "1.1", "" when the heading has no number
    title: str
    sections: list[ParsedSection] = field(default_factory=list)
    measures: list[ParsedMeasure] = field(default_factory=list)


@dataclass
class ParsedRoadmap:
    title: str = ""  # the roadmap's own heading (the appendix title)
    period_start: date | None = None
    period_end: date | None = None
    preamble: str = ""  # пояснительная записка / free text before the table
    order: ParsedOrder = field(default_factory=ParsedOrder)
    sections: list[ParsedSection] = field(
        default_factory=list
    )  # measures before any heading go in a section with title ""
    columns: dict[str, str] = field(default_factory=dict)  # field name -> header as written
    warnings: list[str] = field(default_factory=list)  # Russian, for the user
    closing: str = ""  # free text after the table
    purpose: str = ""  # «Цель: …» found in the preamble (the preamble keeps it too)
    tasks: list[str] = field(default_factory=list)  # the items after «Задачи:» in the preamble
    approvals: list[ParsedApproval] = field(default_factory=list)
    source_format: str = ""  # 'text', 'docx' or 'xlsx'

    def iter_sections(self) -> Iterator[ParsedSection]:
        """Every section, depth first, in document order."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.sections))

    def iter_measures(self) -> Iterator[ParsedMeasure]:
        """Every measure in document order."""
        for section in self.iter_sections():
            yield from section.measures

    def as_json(
        self,
        parse_deadline: Callable | None = None,
        match_responsible: Callable[[str], list] | None = None,
    ) -> dict:
        """The shape `import_roadmap --json` prints (see issue 3); JSON-serialisable.

        `parse_deadline(text, period_start=, period_end=)` defaults to
        `roadmaps.deadlines.parse_deadline`; while it is not implemented every
        deadline comes out as kind "unparsed". `match_responsible(text)` returns
        the matched bodies/schools (already JSON-serialisable); default none.
        """
        if parse_deadline is None:
            from roadmaps.deadlines import parse_deadline
        plan = self.plan()

        def deadline(text: str) -> dict:
            kind, dates = "unparsed", []
            if text.strip():
                try:
                    schedule = parse_deadline(
                        text,
                        period_start=plan.start,
                        period_end=plan.end,
                        plan_start=plan.plan_start,
                    )
                    kind, dates = schedule.kind, [d.isoformat() for d in schedule.dates]
                except NotImplementedError:
                    pass
            return {"text": text, "kind": kind, "dates": dates}

        def measure(m: ParsedMeasure) -> dict:
            matched = list(match_responsible(m.responsible_text)) if match_responsible else []
            return {
                "number": m.number,
                "text": m.text,
                "participants": m.participants,
                "result": m.result,
                "document": m.document,
                "deadline": deadline(m.deadline_text),
                "responsible": {"text": m.responsible_text, "matched": matched},
            }

        def section(s: ParsedSection) -> dict:
            return {
                "number": s.number,
                "title": s.title,
                "sections": [section(child) for child in s.sections],
                "measures": [measure(m) for m in s.measures],
            }

        order = self.order
        return {
            "order": {
                "body": order.body,
                "number": order.number,
                "date": order.date.isoformat() if order.date else None,
                "place": order.place,
                "title": order.title,
                "signatory": order.signatory,
            },
            "sections": [section(s) for s in self.sections],
            "warnings": list(self.warnings),
        }

    def effective_period(self) -> tuple[date, date]:
        """The period deadlines are read in (see `plan`)."""
        plan = self.plan()
        return plan.start, plan.end

    def plan(self):
        """The period and plan start deadlines are read in: the period the document
        names, else the school year of the order's date (read from that date on), else
        the school year the document's own deadlines name, else today's
        (`roadmaps.deadlines.plan_period`)."""
        from roadmaps.deadlines import plan_period

        return plan_period(
            period_start=self.period_start,
            period_end=self.period_end,
            order_date=self.order.date,
            deadline_texts=[m.deadline_text for m in self.iter_measures()],
            today=date.today(),
        )
