"""The table of measures: recognise its columns, turn its rows into sections and measures.

Heading rows become sections (numbered headings nest: "1." → "1.1."), rows
split by a page break are joined back into the measure they continue, and
every word of every cell ends up in some field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from infra.files import column_letter
from infra.text import match_columns

from .parsed import ParsedMeasure, ParsedSection
from .source import Row

# Field -> header wordings (normalised: lower case, ё→е, punctuation dropped).
COLUMNS: dict[str, tuple[str, ...]] = {
    "measure": (
        "мероприятие",
        "мероприятия",
        "наименование мероприятия",
        "наименование мероприятий",
        "мероприятие (содержание деятельности)",
        "содержание работы",
        "содержание деятельности",
        "содержание мероприятия",
        "содержание",
        "наименование",
        "наименование работы",
        "направления деятельности",
        "направление деятельности",
        "вид деятельности",
        "виды деятельности",
        "виды работ",
        "название мероприятия",
        "перечень мероприятий",
        "мероприятие (содержание работы)",
    ),
    "deadline": (
        "сроки",
        "сроки исполнения",
        "срок исполнения",
        "срок",
        "сроки проведения",
        "срок выполнения",
        "сроки выполнения",
        "сроки реализации",
        "срок реализации",
        "дата проведения",
        "дата",
        "период",
    ),
    "responsible": (
        "ответственный",
        "ответственные",
        "исполнители",
        "исполнитель",
        "ответственные исполнители",
        "ответственный исполнитель",
        "ответственные за исполнение",
        "ответственное лицо",
    ),
    "result": (
        "результат",
        "результаты",
        "ожидаемый результат",
        "ожидаемые результаты",
        "планируемый результат",
        "планируемые результаты",
    ),
    "participants": (
        "участники",
        "участники мероприятия",
        "целевая аудитория",
        "целевая группа",
        "категория участников",
    ),
    "document": (
        "формат документа",
        "форма отчетности",
        "документ",
        "подтверждающий документ",
        "форма отчета",
        "итоговый документ",
        "отчетный документ",
        "форма представления результата",
        "форма представления результатов",
        "форма представления",
        "документ подтверждающий исполнение",
        "отчетная документация",
        "форма отчетного документа",
        "вид документа",
    ),
}
_MEASURE_ATTR = {
    "measure": "text",
    "participants": "participants",
    "deadline": "deadline_text",
    "responsible": "responsible_text",
    "result": "result",
    "document": "document",
}

NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*[а-яa-z]?[.)]?|[IVXLC]{1,6}\.?)$")
NUMBERED_HEADING = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6})\.?\s+(\S.*)$", re.DOTALL)
# What only a responsible party writes: abbreviations of bodies and schools.
_ABBREVIATION = re.compile(r"^(?:[А-ЯЁA-Z]{2,}[,;]?\s*)+$")


def _is_number_header(raw: str) -> bool:
    text = raw.strip().lower()
    return text.startswith("№") or text in {"n", "n п/п", "номер", "п/п", "no"}


def match_header(cells: list[str]) -> dict[str, int]:
    """Field name -> column index, for a row that names the table's columns."""
    found: dict[str, int] = {}
    for index, raw in enumerate(cells):
        if _is_number_header(raw):
            found["number"] = index
            break
    return match_columns([c.replace("\n", " ") for c in cells], COLUMNS, found=found)


def is_header(cells: list[str]) -> bool:
    mapping = match_header(cells)
    return "measure" in mapping and len(mapping) >= 2


def _starts_lower(text: str) -> bool:
    return bool(text) and text[0].isalpha() and text[0].islower()


def _number_key(number: str) -> tuple[str, ...]:
    return tuple(number.strip().rstrip(".").split("."))


def _is_parent(parent: str, child: str) -> bool:
    if not parent or not child:
        return False
    p, c = _number_key(parent), _number_key(child)
    return len(p) < len(c) and c[: len(p)] == p


def _rows_label(places: list[int]) -> str:
    numbers = [str(p) for p in places]
    if len(numbers) == 1:
        return numbers[0]
    return ", ".join(numbers[:-1]) + " " + _("и") + " " + numbers[-1]


@dataclass
class TableResult:
    sections: list[ParsedSection] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)  # trailing one-cell rows: free text


class TableParser:
    """Feed rows after the header row with `add`; read `finish()`."""

    def __init__(self, header: list[str]):
        header = list(header)
        self.header = header
        self.mapping = match_header(header)
        self.width = len(header)
        if "number" not in self.mapping and self.mapping.get("measure", 0) > 0 and not header[0]:
            self.mapping["number"] = 0  # an untitled first column holds the numbers
        # Unrecognised columns keep their text; an untitled one is named by its letter.
        self.extra_columns = {
            index: header[index] or _("Столбец %s") % column_letter(index)
            for index in range(len(header))
            if index not in self.mapping.values()
        }
        self.sections: list[ParsedSection] = []
        self.stack: list[ParsedSection] = []
        self.last: ParsedMeasure | None = None
        self.joined: dict[int, list[int]] = {}  # id(measure) -> continuation rows
        self.joined_measures: list[ParsedMeasure] = []
        self.guessed_rows: list[int] = []
        self.page_breaks: set[int] = set()  # id(measure) of measures joined across a page
        self.aligned: list[str] = []  # the last row's cells, one per column
        self.wrap_target: tuple[str, object] | None = None  # where a wrapped line goes
        self.assumed_headings: list[tuple[int, str]] = []
        self.trailing: list[tuple[ParsedSection, ParsedSection | None, int]] = []

    # -- cells ---------------------------------------------------------------

    def _align(self, row: Row) -> tuple[list[str], bool]:
        """The row's cells, one per column; True when their columns were guessed."""
        cells = list(row.cells)
        fragments = row.fragments or [[] for _ in cells]
        while len(cells) > 1 and not cells[-1] and len(cells) > self.width:
            cells.pop()
        guessed = False
        used = len(cells)
        while used > 0 and not cells[used - 1]:
            used -= 1
        if used < self.width and any(fragments[:used]):
            # A PDF paste put the row's last cells into one cell as <p>…</p> parts
            # (the cells after it are missing, or empty once pasted into Word or Excel).
            cells = cells[:used]
            spread: list[str] = []
            for index, cell in enumerate(cells):
                parts = fragments[index] if index < len(fragments) else []
                if parts:
                    room = self.width - len(spread) - (len(cells) - index - 1)
                    room = max(1, room)
                    head, tail = parts[: room - 1], parts[room - 1 :]
                    spread.extend(head)
                    spread.append("\n".join(tail))
                else:
                    spread.append(cell)
            cells = spread
        elif len(cells) < self.width and not self._number_of(cells) and any(cells[1:]):
            # A page-break remainder pasted from a PDF with its empty cells lost.
            cells, guessed = self._place_remainder(cells), True
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        if len(cells) > self.width:
            extra = [c for c in cells[self.width :] if c]
            cells = cells[: self.width]
            if extra:
                cells[-1] = "\n".join([cells[-1], *extra]).strip()
        return cells, guessed

    def _place_remainder(self, cells: list[str]) -> list[str]:
        placed = [""] * self.width
        free = [i for i in range(self.width) if i not in (self.mapping.get("number"),)]
        responsible = self.mapping.get("responsible")
        measure = self.mapping.get("measure")
        rest = []
        for index, text in enumerate(cells):
            if not text:
                continue
            if responsible is not None and _ABBREVIATION.match(text) and not placed[responsible]:
                placed[responsible] = text
                free.remove(responsible)
            elif index == measure and not placed[measure]:
                placed[measure] = text
                free.remove(measure)
            else:
                rest.append(text)
        # What is left continues the rightmost columns, as a broken row's tail does.
        for text, index in zip(reversed(rest), reversed(free), strict=False):
            placed[index] = text
        if len(rest) > len(free):
            overflow = rest[: len(rest) - len(free)]
            target = free[0] if free else self.width - 1
            placed[target] = "\n".join([*overflow, placed[target]]).strip()
        return placed

    def _number_of(self, cells: list[str]) -> str:
        index = self.mapping.get("number")
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    def _get(self, cells: list[str], name: str) -> str:
        index = self.mapping.get(name)
        return cells[index] if index is not None else ""

    # -- rows ----------------------------------------------------------------

    def add(self, row: Row) -> None:
        if row.loose:
            self._add_loose(row)
            return
        self.wrap_target = None
        self._add(row)
        cells = self.aligned
        if self.wrap_target is None and cells and self.last is not None:
            names = {i: name for name, i in self.mapping.items()}
            for index in range(len(cells) - 1, -1, -1):
                if cells[index] and names.get(index) != "number":
                    name = names.get(index)
                    self.wrap_target = (
                        ("measure", _MEASURE_ATTR[name])
                        if name
                        else ("extra", self.extra_columns.get(index, ""))
                    )
                    break

    def _add_loose(self, row: Row) -> None:
        """A line without cells inside the table of a PDF paste: the wrapped tail of the
        previous row's last cell, or a heading whose cells were lost."""
        text = row.cells[0]
        if not _starts_lower(text) or self.wrap_target is None:
            self._heading_text(text, row.place)
            self.wrap_target = ("section", self.stack[-1])
            return
        kind, target = self.wrap_target
        if kind == "section":
            target.title = f"{target.title} {text}"
        elif kind == "measure":
            before = getattr(self.last, target)
            setattr(self.last, target, f"{before}\n{text}" if before else text)
        else:
            before = self.last.extra.get(target, "")
            self.last.extra[target] = f"{before}\n{text}" if before else text

    def _add(self, row: Row) -> None:
        self.aligned = []
        if not any(row.cells):
            return
        if [c.lower() for c in row.cells[: len(self.header)]] == [
            c.lower() for c in self.header
        ] or (is_header(row.cells) and match_header(row.cells) == self.mapping):
            return  # the header repeated on a new page
        filled_cells = [c for c in row.cells if c]
        if len(filled_cells) >= 3 and filled_cells == [
            str(i) for i in range(1, len(filled_cells) + 1)
        ]:
            return  # the row that numbers the columns: 1 | 2 | 3 | 4
        same_measure = {self.mapping.get("number"), self.mapping.get("measure")} & row.vmerged
        if row.vmerged and same_measure and self.last is not None:
            # A measure cell merged down over several rows: one measure whose other
            # cells (several deadlines, say) join it; the merged cells are not repeated.
            cells = ["" if i in row.vmerged else c for i, c in enumerate(row.cells)]
            if any(cells):
                self._continue(
                    {name: cells[i] for name, i in self.mapping.items() if name != "number"},
                    {
                        self.extra_columns[i]: cells[i]
                        for i in self.extra_columns
                        if i < len(cells) and cells[i]
                    },
                    row.place,
                    page_break=False,
                )
            return
        cells, guessed = self._align(row)
        self.aligned = cells
        number_cell = self._number_of(cells)
        text = self._get(cells, "measure")
        others = {
            name: self._get(cells, name)
            for name in ("participants", "deadline", "responsible", "result", "document")
        }
        extra = {self.extra_columns[i]: cells[i] for i in self.extra_columns if cells[i]}
        if (
            row.page_break
            and "number" in self.mapping
            and not number_cell
            and not row.merged
            and self.last is not None
        ):
            # A PDF row cut by a page break: its rest has no number of its own.
            self._continue({"measure": text, **others}, extra, row.place)
            return
        filled = [i for i, c in enumerate(cells) if c]
        has_details = any(others.values()) or bool(extra)
        measure_index = self.mapping.get("measure", 0)

        if number_cell and NUMBER.match(number_cell):
            body_columns = ("deadline", "responsible", "result")
            can_head = any(name in self.mapping for name in body_columns)
            if can_head and not has_details and text and not row.merged:
                self._heading(number_cell.rstrip(".)"), text, row.place)
                self.assumed_headings.append((row.place, f"{number_cell} {text}"))
                return
            self._measure(number_cell, text, others, extra, row.place)
            return
        if number_cell:
            # Text in the number column: a heading written across the row, or a
            # measure whose number and text share a cell.
            whole = "\n".join(t for t in (number_cell, text) if t)
            if _starts_lower(number_cell) and self.last is not None:
                self._continue({"measure": whole, **others}, extra, row.place)
                return
            if row.merged or not has_details:
                self._heading_text(whole.replace("\n", " "), row.place)
                return
            found = NUMBERED_HEADING.match(number_cell)
            if found:
                number = number_cell[: found.start(2)].strip()
                rest = "\n".join(t for t in (found.group(2), text) if t)
                self._measure(number, rest, others, extra, row.place)
            else:
                self._measure("", whole, others, extra, row.place)
            return
        # No number.
        only_title = filled and all(i <= measure_index for i in filled)
        if row.merged or (only_title and not _starts_lower(text)):
            self._heading_text(text or cells[filled[0]], row.place)
            return
        if self.last is None or (text and not _starts_lower(text) and has_details and not guessed):
            self._measure("", text, others, extra, row.place)
            return
        if guessed:
            self.guessed_rows.append(row.place)
        self._continue({"measure": text, **others}, extra, row.place)

    def _heading_text(self, text: str, place: int) -> None:
        found = NUMBERED_HEADING.match(text)
        if found:
            self._heading(found.group(1), found.group(2), place)
        else:
            self._heading("", text, place)

    def _heading(self, number: str, title: str, place: int) -> None:
        section = ParsedSection(number=number, title=title.replace("\n", " "))
        if number:
            while self.stack and not _is_parent(self.stack[-1].number, number):
                self.stack.pop()
        elif self.stack:
            self.stack.pop()
        parent = self.stack[-1] if self.stack else None
        (parent.sections if parent else self.sections).append(section)
        self.stack.append(section)
        self.trailing.append((section, parent, place))

    def _measure(self, number, text, others, extra, place) -> None:
        if not self.stack:
            section = ParsedSection(number="", title="")
            self.sections.append(section)
            self.stack.append(section)
        measure = ParsedMeasure(
            number=number,
            text=text,
            participants=others["participants"],
            deadline_text=others["deadline"],
            responsible_text=others["responsible"],
            result=others["result"],
            document=others["document"],
            source_row=place,
            extra=dict(extra),
        )
        self.stack[-1].measures.append(measure)
        self.last = measure
        self.trailing = []

    def _continue(
        self, parts: dict[str, str], extra: dict[str, str], place: int, *, page_break=True
    ) -> None:
        measure = self.last
        if page_break:
            self.page_breaks.add(id(measure))
        for name, text in parts.items():
            if not text:
                continue
            attr = _MEASURE_ATTR[name]
            setattr(measure, attr, _glue(getattr(measure, attr), text))
        for header, text in extra.items():
            measure.extra[header] = _glue(measure.extra.get(header, ""), text)
        if id(measure) not in self.joined:
            self.joined[id(measure)] = [measure.source_row]
            self.joined_measures.append(measure)
        self.joined[id(measure)].append(place)

    # -- result ---------------------------------------------------------------

    def finish(self) -> TableResult:
        result = TableResult(sections=self.sections)
        result.columns = {name: self.header[index] for name, index in self.mapping.items()}
        # Headings after the last measure are free text under the table.
        for section, parent, _place in reversed(self.trailing):
            siblings = parent.sections if parent else self.sections
            if section in siblings and not section.sections and not section.measures:
                siblings.remove(section)
                title = f"{section.number}. {section.title}" if section.number else section.title
                result.closing.insert(0, title)
        w = result.warnings
        used = {name for _s, m in _walk(self.sections) for name, text in m.extra.items() if text}
        for header in self.extra_columns.values():
            if header not in used:
                continue
            w.append(
                _("Столбец «%s» не распознан; его текст сохранён в мероприятиях как есть.")
                % header.replace("\n", " ")
            )
        for name, label in (
            ("deadline", _("сроков")),
            ("responsible", _("ответственных")),
        ):
            if name not in self.mapping:
                w.append(_("В таблице нет столбца %s.") % label)
        for measure in self.joined_measures:
            places = self.joined[id(measure)]
            message = _("Строки %(rows)s объединены в одно мероприятие %(number)s") % {
                "rows": _rows_label(places),
                "number": _measure_label(measure),
            }
            if id(measure) in self.page_breaks:
                message += _(": строка таблицы была разорвана переносом страницы.")
            else:
                message += _(": ячейка мероприятия объединена на несколько строк.")
            w.append(message)
        for place, title in self.assumed_headings:
            w.append(
                _(
                    "Строка %(row)s «%(title)s»: номер без сроков и ответственных принят "
                    "за заголовок раздела."
                )
                % {"row": place, "title": title}
            )
        for _section, measure in _walk(self.sections):
            for name, attr in _MEASURE_ATTR.items():
                value = getattr(measure, attr)
                if _cut_off(value):
                    w.append(
                        _(
                            "Мероприятие %(number)s (строка %(row)s): текст столбца «%(column)s» "
                            "обрывается на «%(tail)s» — проверьте, не потерялось ли продолжение."
                        )
                        % {
                            "number": _measure_label(measure),
                            "row": measure.source_row,
                            "column": self.header[self.mapping[name]].replace("\n", " "),
                            "tail": value.split()[-1],
                        }
                    )
        for place in self.guessed_rows:
            w.append(
                _("Строка %d: столбцы продолжения определены по содержанию, проверьте их.") % place
            )
        seen: dict[tuple, ParsedMeasure] = {}
        for section, measure in _walk(self.sections):
            if "deadline" in self.mapping and not measure.deadline_text:
                w.append(
                    _("Мероприятие %(number)s (строка %(row)s): не указан срок исполнения.")
                    % {"number": _measure_label(measure), "row": measure.source_row}
                )
            if "responsible" in self.mapping and not measure.responsible_text:
                w.append(
                    _("Мероприятие %(number)s (строка %(row)s): не указан ответственный.")
                    % {"number": _measure_label(measure), "row": measure.source_row}
                )
            if measure.number:
                # "1." may restart in each section; "2.3" names one place in the plan.
                parts = _number_key(measure.number)
                key = (parts,) if len(parts) > 1 else (parts, id(section))
                if key in seen:
                    w.append(
                        _(
                            "Номер мероприятия %(number)s повторяется (строки %(first)s и %(second)s)."
                        )
                        % {
                            "number": measure.number,
                            "first": seen[key].source_row,
                            "second": measure.source_row,
                        }
                    )
                else:
                    seen[key] = measure
        return result


def _glue(before: str, text: str) -> str:
    """Text continued from a row cut by a page break: a word broken at its hyphen
    («учителя-» | «предметники») joins without a space."""
    if not before:
        return text
    if re.search(r"\w[-‐‑]$", before) or (re.match(r"[-‐‑]\w", text) and before[-1:].isalpha()):
        return before + text
    return f"{before} {text}"


# Words a Russian sentence does not end on: a cell ending on one lost its tail.
_DANGLING = frozenset(
    [
        "и",
        "или",
        "а",
        "но",
        "в",
        "во",
        "на",
        "по",
        "с",
        "со",
        "к",
        "ко",
        "о",
        "об",
        "от",
        "для",
        "из",
        "за",
        "при",
        "без",
        "до",
        "что",
        "как",
        "чьи",
        "чей",
        "чья",
        "которые",
        "который",
        "которая",
        "которых",
        "которым",
        "не",
    ]
)


def _cut_off(text: str) -> bool:
    words = text.split()
    return bool(words) and (words[-1].lower() in _DANGLING or text.endswith(","))


def _measure_label(measure: ParsedMeasure) -> str:
    if measure.number:
        return f"№ {measure.number}"
    words = measure.text.split()
    return "«" + " ".join(words[:5]) + ("…" if len(words) > 5 else "") + "»"


def _walk(sections: list[ParsedSection]) -> list[tuple[ParsedSection, ParsedMeasure]]:
    found = []
    for section in sections:
        found.extend((section, m) for m in section.measures)
        found.extend(_walk(section.sections))
    return found
