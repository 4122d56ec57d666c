"""The text above the table: the order's header, its items and signatory, the
«Утверждено / Согласовано» blocks, the roadmap's own title, preamble and period."""

from __future__ import annotations

import re
from datetime import date

from .parsed import ParsedApproval, ParsedOrder, ParsedRoadmap
from .source import Paragraph


def _spaced(word: str) -> str:
    return r"\s*".join(word)


ORDER_WORD = re.compile(
    r"^(?:" + "|".join(_spaced(w) for w in ("приказ", "распоряжение", "постановление")) + r")"
    r"(?:\s*$|\s+(?=№|от\s|\d))",
    re.IGNORECASE,
)
COMMAND = re.compile(
    r"^(?:"
    + "|".join(_spaced(w) for w in ("приказываю", "постановляю", "распоряжаюсь", "решил"))
    + r")\s*:?\s*$",
    re.IGNORECASE,
)
COMMAND_AT_END = re.compile(
    r"^(.*\S)\s+(?:"
    + "|".join(_spaced(w) for w in ("приказываю", "постановляю", "распоряжаюсь"))
    + r")\s*:\s*$",
    re.IGNORECASE,
)
APPROVAL = re.compile(
    r"^(утвержд\w*|согласован\w*|рассмотрен\w*|принят\w*|одобрен\w*)\s*:?\s*$",
    re.IGNORECASE,
)
MONTHS = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}  # fmt: skip
DATE_WORDS = re.compile(
    r"[«\"]?\s*(\d{1,2})\s*[»\"]?\s+(" + "|".join(MONTHS) + r")\s+(\d{4})", re.IGNORECASE
)
DATE_DIGITS = re.compile(r"\b(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4})")
ORDER_NUMBER = re.compile(r"№\s*([0-9A-Za-zА-Яа-яЁё/\-.]*\d[0-9A-Za-zА-Яа-яЁё/\-]*)")
PLACE = re.compile(
    r"^(?:г|с|п|пгт|пос|ст|д|дер|рп|р\.\s?п|с\.\s?п|х|ст-ца|аул)\.?\s*"
    r"[А-ЯЁ][\w\-]*(?:[ \-][А-ЯЁ][\w\-]*)*$"
)
NAME = re.compile(
    r"(?:^|\s)([А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
    r"|[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s[А-ЯЁ]\.\s?[А-ЯЁ]\.)\s*$"
)
ITEM = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+\S")
BULLET = re.compile(r"^[-–—•·]\s*")
TITLE_START = re.compile(r"^[«\"“]?\s*(?:Об?|О внесении)\s", re.IGNORECASE)
APPENDIX_LINE = re.compile(
    r"^(?:приложение|к\s+(?:приказу|распоряжению|постановлению)|утвержден\w*\b|от\s+[«\d]|№)",
    re.IGNORECASE,
)
ROADMAP_TITLE = re.compile(
    r"^[«\"]?\s*(?:план|дорожная\s+карта|«дорожная|комплекс\s+мер|перечень\s+мероприятий|программа)",
    re.IGNORECASE,
)


DATE_TEXT = re.compile(
    r"(?:от\s+)?(?:[«\"]?\s*\d{1,2}\s*[»\"]?\s+(?:"
    + "|".join(MONTHS)
    + r")\s+\d{4}|\d{1,2}\s*\.\s*\d{1,2}\s*\.\s*\d{4})(?:\s*(?:года|г\.?))?",
    re.IGNORECASE,
)


def _bare_place(text: str) -> bool:
    """A settlement's name alone on its line, e.g. «Краснотуранск»."""
    return bool(re.fullmatch(r"[А-ЯЁ][а-яё]+(?:[ -][А-ЯЁ]?[а-яё]+)?", text))


def parse_date(text: str) -> date | None:
    found = DATE_WORDS.search(text)
    try:
        if found:
            return date(int(found.group(3)), MONTHS[found.group(2).lower()], int(found.group(1)))
        found = DATE_DIGITS.search(text)
        if found:
            return date(int(found.group(3)), int(found.group(2)), int(found.group(1)))
    except ValueError:
        return None
    return None


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if text[:1] in '«"“' and text[-1:] in '»"”':
        inner = text[1:-1]
        # Only when the quotes wrap the whole title, not a quoted name at its end.
        if inner.count("«") == inner.count("»"):
            return inner.strip()
    return text


def _join(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


class _Lines:
    """Lines of the paragraphs, each knowing whether it starts a paragraph."""

    def __init__(self, paragraphs: list[Paragraph]):
        self.items: list[tuple[str, bool]] = []
        for paragraph in paragraphs:
            for index, line in enumerate(paragraph.lines):
                self.items.append((line, index == 0))

    def __len__(self):
        return len(self.items)

    def text(self, i: int) -> str:
        return self.items[i][0]

    def starts(self, i: int) -> bool:
        return self.items[i][1]

    def paragraph_end(self, i: int) -> int:
        """Index after the last line of the paragraph that holds line i."""
        j = i + 1
        while j < len(self.items) and not self.items[j][1]:
            j += 1
        return j

    def paragraphs(self, start: int, stop: int) -> list[list[str]]:
        found: list[list[str]] = []
        for i in range(start, stop):
            if self.starts(i) or not found:
                found.append([])
            found[-1].append(self.text(i))
        return found


def read_header(paragraphs: list[Paragraph], roadmap: ParsedRoadmap) -> None:
    """Fill the order, approvals, title, preamble and period of `roadmap`."""
    lines = _Lines(paragraphs)
    order = roadmap.order
    n = len(lines)
    order_at = next((i for i in range(n) if ORDER_WORD.match(lines.text(i))), None)
    approval_at = next((i for i in range(n) if APPROVAL.match(lines.text(i))), None)
    if order_at is not None and approval_at is not None and approval_at < order_at:
        order_at = None  # «УТВЕРЖДАЮ … приказ от … №»: a plan approved by an order it cites
    i = 0
    if order_at is not None:
        order.body = _join(
            [lines.text(j) for j in range(order_at) if not APPROVAL.match(lines.text(j))]
        )
        i = _read_order(lines, order_at, order)
    else:
        i = _read_approvals(lines, 0, roadmap)
    _read_title_and_preamble(lines, i, roadmap)
    _read_period(roadmap)


def _read_order(lines: _Lines, i: int, order: ParsedOrder) -> int:
    n = len(lines)
    # Number, date and place, up to the title («ПРИКАЗ № 26» may share a line).
    start = i
    while i < n and i < start + 8 and not TITLE_START.match(lines.text(i)):
        text = ORDER_WORD.sub("", lines.text(i)).strip() if i == start else lines.text(i)
        if COMMAND.match(text):
            break
        number = ORDER_NUMBER.search(text)
        if number and not order.number:
            order.number = number.group(1).rstrip(".")
        when = parse_date(text)
        if when and not order.date:
            order.date = when
            order.date_text = DATE_TEXT.search(text).group(0).strip() if number else text
        if not order.place and (PLACE.match(text) or _bare_place(text)):
            order.place = text
        i += 1
    if i < n and not TITLE_START.match(lines.text(i)):
        i = start + 1  # no title where one was expected: read on from the order word
    # The title: its paragraph, and following ones that continue it in lower case.
    if i < n and TITLE_START.match(lines.text(i)):
        end = lines.paragraph_end(i)
        while end < n and lines.text(end)[:1].islower():
            end = lines.paragraph_end(end)
        order.title = _strip_quotes(_join([lines.text(j) for j in range(i, end)]))
        i = end
    # The preamble, up to ПРИКАЗЫВАЮ (on its own line, or ending the preamble's last).
    command = next(
        (
            j
            for j in range(i, n)
            if COMMAND.match(lines.text(j)) or COMMAND_AT_END.match(lines.text(j))
        ),
        None,
    )
    if command is None:
        return i
    paragraphs = lines.paragraphs(i, command)
    inline = COMMAND_AT_END.match(lines.text(command))
    if inline and not COMMAND.match(lines.text(command)):
        if lines.starts(command) or not paragraphs:
            paragraphs.append([inline.group(1)])
        else:
            paragraphs[-1].append(inline.group(1))
    order.preamble = "\n\n".join(_join(p) for p in paragraphs)
    i = command + 1
    # The numbered items, their bullets and wrapped lines.
    items: list[list[str]] = []
    while i < n:
        text = lines.text(i)
        if ITEM.match(text):
            items.append([text])
        elif items and (BULLET.match(text) or not lines.starts(i)):
            items[-1].append(text)
        else:
            break
        i += 1
    order.items = ["\n".join(item) for item in items]
    # The signatory: position lines, then a name like «О.И. Матасова».
    position: list[str] = []
    while i < n:
        text = lines.text(i)
        if APPENDIX_LINE.match(text) or ROADMAP_TITLE.match(text):
            break
        name = NAME.search(text)
        if name:
            order.signatory = name.group(1)
            head = text[: name.start(1)].strip()
            if head:
                position.append(head)
            i += 1
            break
        # A lone word between position and name is a facsimile signature, not a position.
        if len(text.split()) > 1 or not lines.starts(i):
            position.append(text)
        i += 1
    order.signatory_position = _join(position)
    return i


# An organisation named in an approval: «МБОУ «Гимназия № 11»», «МОБУ «СОШ № 7»».
ORGANISATION = re.compile(r"\b[А-ЯЁ]{2,8}\s*«[^«»]*(?:«[^«»]*»[^«»]*)*»")
# A line of an approval block that dates it: «от 09.01.2024 № 3-од», ««27» февраля 2023 г.».
BLOCK_LINES = 8


def _read_approvals(lines: _Lines, i: int, roadmap: ParsedRoadmap) -> int:
    """«Утверждаю / Утверждено приказом … / Согласовано / Рассмотрено» blocks, which may
    follow the organisation's name; the first approving one gives the signatory, the
    date and number of the approving order; the name above the blocks, or the
    organisation a block names, is the body."""
    n = len(lines)
    start = next(
        (j for j in range(i, min(n, i + BLOCK_LINES)) if APPROVAL.match(lines.text(j))), None
    )
    if start is None:
        return i
    above = [lines.text(j) for j in range(i, start)]
    blocks: list[ParsedApproval] = []
    waiting: list[ParsedApproval] = []  # blocks still without a name, in order
    position: list[str] = []  # lines of the first waiting block so far
    written: dict[int, list[str]] = {}  # id(block) -> its lines above the name
    seen = 0
    j = start
    while j < n:
        text = lines.text(j)
        if APPROVAL.match(text):
            if waiting and (position or waiting[0].date_text):
                waiting.pop(0)  # «РАССМОТРЕНО на педсовете, протокол …»: a block without a name
            block = ParsedApproval(label=text.rstrip(": "))
            blocks.append(block)
            waiting.append(block)  # labels side by side stack up: names follow in order
            position, seen = [], 0
            j += 1
            continue
        if not waiting or seen > BLOCK_LINES:
            break
        if ROADMAP_TITLE.match(text) or TITLE_START.match(text):
            break
        seen += 1
        block = waiting[0]
        name = NAME.search(text)
        if name:
            head = text[: name.start(1)].strip().rstrip("_ ")  # the line to sign on is not text
            block.name = name.group(1)
            block.position = head or _join(position)
            written[id(block)] = position
            waiting.pop(0)
            position, seen = [], 0
            following = lines.text(j + 1) if j + 1 < n else ""
            if (
                re.search(r"\d{4}|_{2,}", following)
                and len(following) < 60
                and not block.date_text
                and not APPROVAL.match(following)
            ):
                block.date_text = following  # the date under the signature
                j += 1
        elif parse_date(text) and not block.date_text:
            block.date_text = text  # «от 09.01.2024 № 3-од» inside the block
            position.append(text)
        else:
            position.append(text)
        j += 1
    roadmap.approvals = blocks
    order = roadmap.order
    approving = next((b for b in blocks if b.label.lower().startswith("утвержд")), None)
    if approving:
        order.signatory = approving.name
        order.signatory_position = approving.position
        order.date = parse_date(approving.date_text)
        order.date_text = approving.date_text
        number = ORDER_NUMBER.search(approving.date_text)
        if number and not order.number:
            order.number = number.group(1).rstrip(".")
    if above:
        order.body = _join(above)
    elif approving:
        named = ORGANISATION.search(" ".join([approving.position, *written.get(id(approving), [])]))
        order.body = named.group(0) if named else ""
    return j


def _read_title_and_preamble(lines: _Lines, i: int, roadmap: ParsedRoadmap) -> None:
    n = len(lines)
    # «Приложение №1 к приказу … от … №…» is a reference, not content; it may be
    # all there is of the order.
    order = roadmap.order
    while i < n and APPENDIX_LINE.match(lines.text(i)):
        end = lines.paragraph_end(i)
        reference = _join([lines.text(j) for j in range(i, end)])
        if not order.number and not order.date:
            numbers = ORDER_NUMBER.findall(reference)
            when = parse_date(reference)
            if when and numbers:
                order.number, order.date = numbers[-1].rstrip("."), when
        i = end
    if i >= n:
        return
    end = lines.paragraph_end(i)
    while end < n and lines.text(end)[:1].islower():
        end = lines.paragraph_end(end)
    roadmap.title = _strip_quotes(_join([lines.text(j) for j in range(i, end)]))
    roadmap.preamble = "\n\n".join("\n".join(p) for p in lines.paragraphs(end, n))
    _read_purpose_and_tasks(roadmap)


PURPOSE = re.compile(r"^цел[ьи](?:\s+[\w«»() -]+?)?\s*[:–—-]\s*(\S.*)$", re.IGNORECASE)
TASKS = re.compile(r"^задачи(?:\s+[\w«»() -]+?)?\s*[:–—-]\s*(.*)$", re.IGNORECASE)
LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-–—•·])\s*(\S.*)$")


def _read_purpose_and_tasks(roadmap: ParsedRoadmap) -> None:
    """«Цель: …» and «Задачи: 1. … 2. …» of the preamble, when it states them."""
    lines = [line.strip() for line in roadmap.preamble.split("\n") if line.strip()]
    for index, line in enumerate(lines):
        found = PURPOSE.match(line)
        if found and not roadmap.purpose:
            roadmap.purpose = found.group(1).strip()
            continue
        found = TASKS.match(line)
        if found and not roadmap.tasks:
            if found.group(1).strip():
                roadmap.tasks.append(found.group(1).strip())
            for following in lines[index + 1 :]:
                item = LIST_ITEM.match(following)
                if not item:
                    break
                roadmap.tasks.append(item.group(1).strip())


YEARS_SCHOOL = re.compile(r"(20\d\d)\s*[/–—-]\s*((?:20)?\d\d)\s*уч", re.IGNORECASE)
YEARS_RANGE = re.compile(r"(20\d\d)\s*[–—-]\s*(20\d\d)")
YEAR_ONE = re.compile(r"\bна\s+(20\d\d)\s*(?:г\b|год)", re.IGNORECASE)


def _read_period(roadmap: ParsedRoadmap) -> None:
    """The period the titles name; without one, `ParsedRoadmap.plan` decides later."""
    for text in (roadmap.title, roadmap.order.title):
        if not text:
            continue
        found = YEARS_SCHOOL.search(text)
        if found:
            first = int(found.group(1))
            roadmap.period_start = date(first, 9, 1)
            roadmap.period_end = (
                date(first + 1, 8, 31)
                if len(found.group(2)) == 2
                else date(int(found.group(2)), 8, 31)
            )
            return
        found = YEARS_RANGE.search(text)
        if found and int(found.group(1)) <= int(found.group(2)):
            roadmap.period_start = date(int(found.group(1)), 1, 1)
            roadmap.period_end = date(int(found.group(2)), 12, 31)
            return
        found = YEAR_ONE.search(text)
        if found:
            roadmap.period_start = date(int(found.group(1)), 1, 1)
            roadmap.period_end = date(int(found.group(1)), 12, 31)
            return
