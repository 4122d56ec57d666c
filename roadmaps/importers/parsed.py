"""What a roadmap document parser finds, before anything is saved. Pure data.

INTERFACE (the importer fills it, the import service and command read it):
`ParsedRoadmap.as_json()` gives exactly the shape `import_roadmap --json` prints.
"""

from __future__ import annotations

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
    sections: list[ParsedSection] = field(default_factory=list)  # measures before any heading go in a section with title ""
    columns: dict[str, str] = field(default_factory=dict)  # field name -> header as written
    warnings: list[str] = field(default_factory=list)  # Russian, for the user
