"""Matching the Russian text people write: names, headers, words of a choice.

Pure functions of strings, no Django and no ORM. Case and «ё» never matter
(officials write «отчет» for «отчёт» as often as not), nor do runs of spaces
and line breaks; a header is recognised by its wordings or by word stems.
"""

from __future__ import annotations

import re


def fold(text: str) -> str:
    """What two spellings must share to match: case folded, and «ё» read as «е»
    (officials write «отчет» for «отчёт» as often as not)."""
    return text.casefold().replace("ё", "е")


def one_line(text: str) -> str:
    """A name as one line: «е» for «ё» (either case), every run of spaces and
    line breaks one space, no space at the ends; case kept."""
    text = (text or "").replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"\s+", " ", text).strip()


# A hyphen at the end of a line with a word's lowercase rest on the next: the cell's
# width broke the word («Кол-во» has no line break and stays).
_BROKEN_WORD = re.compile(r"(?<=[а-яa-z])-[ \t\u00a0]*\r?\n\s*(?=[а-яa-z])")


def header_text(value) -> str:
    """A header as one line: lowercase, «е» for «ё», single spaces, a word broken
    over two lines by a hyphen («Вари-» and «ант») or a soft hyphen made whole."""
    text = str(value if value is not None else "").lower().replace("ё", "е")
    text = _BROKEN_WORD.sub("", text.replace("\u00ad", ""))
    return re.sub(r"[\s\u00a0]+", " ", text).strip()


def stem_hits(word: str, stem: str) -> bool:
    """Whether `word` starts with `stem`; a stem ending in «$» must be the whole word."""
    return word == stem[:-1] if stem.endswith("$") else word.startswith(stem)


def any_stem(words, stems) -> bool:
    """Whether some word hits some stem (`stem_hits`)."""
    return any(stem_hits(w, s) for w in words for s in stems)


def word_choice(choices, text):
    """The value of the first (value, variants) of `choices` that `text` names:
    the value itself, or a variant that starts the text or one of its words;
    None when none does or the text is empty."""
    text = str(text or "").strip().lower().replace("ё", "е")
    text = re.sub(r"\s+", " ", text)
    if not text:
        return None
    for value, variants in choices:
        if text == value or any(text.startswith(v) or f" {v}" in f" {text}" for v in variants):
            return value
    return None


def normalise_header(value) -> str:
    text = str(value or "").lower().replace("ё", "е")
    text = re.sub(r"[\s\u00a0]+", " ", text)
    return re.sub(r"[^\w ()/]", "", text).strip()


def match_columns(
    header: list, spec: dict[str, tuple[str, ...]], *, skip=(), found: dict[str, int] | None = None
) -> dict[str, int]:
    """Map field names to column indexes by the header row.

    `spec` gives, for each field, the header wordings that name it (already
    normalised). An exact match wins over a prefix match; a column serves one
    field only. Columns in `skip` are never matched (task columns, say), and
    `found` is a mapping already decided, which the result extends.
    """
    normalised = ["" if i in skip else normalise_header(h) for i, h in enumerate(header)]
    found = dict(found or {})
    taken: set[int] = set(found.values())
    for exact in (True, False):
        for name, wordings in spec.items():
            if name in found:
                continue
            for index, text in enumerate(normalised):
                if index in taken or not text:
                    continue
                if any(text == w if exact else text.startswith(w) for w in wordings):
                    found[name] = index
                    taken.add(index)
                    break
    return found


def find_header_row(
    rows: list[list], spec: dict[str, tuple[str, ...]], required: set[str], limit: int = 30
):
    """The index of the first row that names all `required` fields, and its mapping."""
    for index, row in enumerate(rows[:limit]):
        mapping = match_columns(row, spec)
        if required <= mapping.keys():
            return index, mapping
    return None, {}


# A row that sums up the rows above it, never a pupil or a school: its first cell says
# so in a whole word. «Средняя общеобразовательная школа» and «Среднеахтубинский район»
# are names, not totals.
TOTALS_RE = re.compile(
    r"^\s*(?:итого|всего|в\s+среднем|средн(?:ий|ее)|средняя\s+по|по\s+(?:району|региону|округу))"
    r"(?![а-яёa-z])",
    re.IGNORECASE,
)


def is_totals_row(row, code_index=None) -> str:
    """The label of a totals row («Итого», «Всего участников:», «Средний балл»), or "".

    Its first filled cell is the label, and the row names no one: its code cell
    (`code_index`) is empty or is the label itself."""
    index, first = next(((i, v) for i, v in enumerate(row) if v not in (None, "")), (None, None))
    if not (type(first) is str and is_totals_label(first)):
        return ""
    code = row[code_index] if code_index is not None and code_index < len(row) else None
    if code_index != index and code not in (None, ""):
        return ""
    return first.strip()


def is_totals_label(value) -> bool:
    """Whether a cell's text starts with a totals word (`TOTALS_RE`)."""
    return type(value) is str and TOTALS_RE.match(value) is not None
