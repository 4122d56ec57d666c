"""What each column of a pupil table means, by a rule that can be named.

A header is normalised (case, «ё», line breaks, punctuation, «№»), split into
words and its abbreviations expanded («Отм.» → отметка, «Кл.» → класс); a note
in brackets stays a part of the header, so its words can qualify it («Отметка
за четверть (по журналу)»). Each rule names one meaning by word stems: every
group in `need` must be matched by some word, no word may match `never`. A stem
ending in «$» must be the whole word («пол$» is not «полугодие»).

The mapping is never a coin toss: a header that rules of two meanings claim is
a problem, and so is a meaning two headers claim; a person settles either by an
override (header → meaning). A header carrying a word of the school term
(«предыдущ», «четверт», «триместр», «полугод», «годов», «журнал») is never the
test's mark. Pure: no ORM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.results.importers.common import task_from_header
from infra.text import any_stem, header_text, stem_hits

# meaning → what a person reads in the preview and in messages
MEANINGS = {
    "participant": gettext_lazy("код участника"),
    "school_login": gettext_lazy("логин ОО в ФИС ОКО"),
    "school_code": gettext_lazy("код ОО"),
    "municipality_code": gettext_lazy("код муниципалитета"),
    "municipality_name": gettext_lazy("муниципалитет (название)"),
    "school_name": gettext_lazy("наименование ОО"),
    "pupil_name": gettext_lazy("ФИО участника (не загружается)"),
    "row_number": gettext_lazy("номер строки (не загружается)"),
    "class_name": gettext_lazy("класс"),
    "sex": gettext_lazy("пол"),
    "variant": gettext_lazy("вариант"),
    "journal_mark": gettext_lazy("отметка в журнале (за четверть, триместр, полугодие)"),
    "file_mark": gettext_lazy("отметка за работу"),
    "total": gettext_lazy("сумма первичных баллов"),
    "test_score": gettext_lazy("тестовый балл (не загружается)"),
    "instrument": gettext_lazy("процедура"),
    "subject": gettext_lazy("предмет"),
    "grade": gettext_lazy("параллель"),
    "year": gettext_lazy("год"),
    "season": gettext_lazy("период проведения"),
    "ignore": gettext_lazy("не загружать"),
}
TASK = "task"
# Meanings the importer reads a value from: two headers for one of them is a problem.
READ = {
    "participant",
    "school_login",
    "school_code",
    "municipality_code",
    "class_name",
    "sex",
    "journal_mark",
    "file_mark",
    "total",
    "instrument",
    "subject",
    "grade",
    "year",
    "season",
}

MARK = ("отметк", "оценк")
# Words of the school term: a mark with one of them is the journal's, never the test's.
TERM = ("предыдущ", "прошл", "текущ", "четверт", "триместр", "полугод", "годов", "журнал")
SCORE = ("балл",)
SUM = ("итог", "сумм", "всего", "набран", "общ")
CODE = ("код$", "кода$", "id$", "идентификатор", "шифр")
PERSON = ("участ", "учащ", "учени", "обучающ", "школьник")
SCHOOL = (
    "оо$",
    "оу$",
    "оош$",
    "сош$",
    "школ",
    "образовательн",
    "организац",
    "учрежден",
)
MUNICIPALITY = ("мо$", "ате$", "мсу$", "моуо$", "муниципал", "район", "округ")
NAME = ("наименован", "название", "краткое", "полное", "сокращенное")
TEST = ("тестов", "стобалльн", "шкал")

ABBREVIATIONS = {
    "отм": "отметка",
    "оц": "оценка",
    "кл": "класс",
    "вар": "вариант",
    "перв": "первичный",
    "б": "баллов",
    "бал": "баллов",
    "сумм": "сумма",
    "уч": "участник",
    "учся": "учащийся",
    "наим": "наименование",
    "назв": "название",
    "муниц": "муниципалитет",
    "мун": "муниципалитет",
    "пред": "предыдущий",
    "четв": "четверть",
    "трим": "триместр",
    "пг": "полугодие",
    "n": "номер",
    "no": "номер",
    "nn": "номер",
}


@dataclass(frozen=True)
class Rule:
    name: str
    meaning: str
    need: tuple[tuple[str, ...], ...]
    never: tuple[str, ...] = ()
    only: bool = False  # every word must match a stem of `need` (or be a small word)
    text: str = ""  # what the rule says, for the preview


SMALL_WORDS = {"за", "по", "в", "во", "на", "от", "до", "из", "и", "с", "к", "о", "об", "п"}

RULES: tuple[Rule, ...] = (
    Rule(
        "journal:mark+term",
        "journal_mark",
        (MARK, (*TERM, "год$")),
        text=gettext_lazy("«отметка» со словом учебного периода (четверть, журнал…)"),
    ),
    Rule(
        "journal:term-alone",
        "journal_mark",
        (TERM,),
        never=(*SCORE, *SUM, *CODE, "номер"),
        text=gettext_lazy("слово учебного периода без «балл» и «код»"),
    ),
    Rule(
        "mark:mark-word",
        "file_mark",
        (MARK,),
        never=(*TERM, *CODE, "год$"),
        text=gettext_lazy("«отметка» / «оценка» без слова учебного периода"),
    ),
    Rule(
        "total:sum-word",
        "total",
        (SUM,),
        never=(*MARK, *TERM, *TEST, *CODE, "номер", "задан"),
        text=gettext_lazy("«итого», «сумма», «всего», «набранный»"),
    ),
    Rule(
        "total:primary-score",
        "total",
        (("первичн",), SCORE),
        never=(*MARK, *TERM, *TEST),
        text=gettext_lazy("«первичный балл»"),
    ),
    Rule(
        "total:score-alone",
        "total",
        (SCORE,),
        never=(*MARK, *TERM, *TEST, "задан"),
        only=True,
        text=gettext_lazy("«балл» / «баллы» без уточнений"),
    ),
    Rule(
        "test-score:test-or-scale-score",
        "test_score",
        (SCORE, TEST),
        never=MARK,
        text=gettext_lazy("«тестовый балл», «балл по шкале»"),
    ),
    Rule(
        "participant:bare-code",
        "participant",
        (("код$",),),
        only=True,
        text=gettext_lazy("«Код» без уточнений (форма ФИС ОКО)"),
    ),
    Rule(
        "participant:code-of-pupil",
        "participant",
        ((*CODE, "номер", "логин"), PERSON),
        never=(*SCHOOL, *MUNICIPALITY),
        text=gettext_lazy("«код» / «номер» участника"),
    ),
    Rule(
        "participant:code-of-paper",
        "participant",
        (CODE, ("работ",)),
        never=(*SCHOOL, *MUNICIPALITY, *MARK),
        text=gettext_lazy("«код работы»"),
    ),
    Rule(
        "school:login",
        "school_login",
        (("логин",),),
        never=PERSON,
        text=gettext_lazy("«логин» (ФИС ОКО)"),
    ),
    Rule(
        "school:code",
        "school_code",
        (CODE, SCHOOL),
        never=PERSON,
        text=gettext_lazy("«код» образовательной организации"),
    ),
    Rule(
        "municipality:code",
        "municipality_code",
        (CODE, MUNICIPALITY),
        never=(*SCHOOL, *PERSON),
        text=gettext_lazy("«код» муниципалитета (МО, АТЕ)"),
    ),
    Rule(
        "municipality:name",
        "municipality_name",
        (MUNICIPALITY,),
        never=(*CODE, *SCHOOL, *PERSON, "логин"),
        text=gettext_lazy("муниципалитет, район, МО без «код»"),
    ),
    Rule(
        "school:name",
        "school_name",
        (SCHOOL,),
        never=(*CODE, "логин", *PERSON, *MUNICIPALITY, *MARK, *SCORE),
        text=gettext_lazy("наименование ОО (школы)"),
    ),
    Rule(
        "pupil:name",
        "pupil_name",
        (("фио$", "фамил", "имя$", "отчеств"),),
        never=(*SCHOOL, *CODE),
        text=gettext_lazy("ФИО, фамилия, имя"),
    ),
    Rule(
        "row:number",
        "row_number",
        (("номер", "пп$"),),
        only=True,
        text=gettext_lazy("«№», «№ п/п»"),
    ),
    Rule(
        "class:class-word",
        "class_name",
        (("класс", "литер"),),
        never=("классн", "параллел", *MARK, *SCORE, *CODE),
        text=gettext_lazy("«класс», «литера»"),
    ),
    Rule("sex:sex-word", "sex", (("пол$", "гендер"),), text=gettext_lazy("«пол»")),
    Rule("variant:variant-word", "variant", (("вариант",),), text=gettext_lazy("«вариант»")),
    Rule(
        "instrument:procedure-word",
        "instrument",
        (("процедур",),),
        never=(*MARK, *SCORE, *CODE),
        text=gettext_lazy("«процедура»"),
    ),
    Rule(
        "subject:subject-word",
        "subject",
        (("предмет", "дисциплин"),),
        never=(*MARK, *SCORE, *CODE),
        text=gettext_lazy("«предмет»"),
    ),
    Rule(
        "grade:parallel-word",
        "grade",
        (("параллел",),),
        text=gettext_lazy("«параллель»"),
    ),
    Rule(
        "year:year-word",
        "year",
        (("год$", "года$"),),
        never=(*MARK, *SCORE),
        text=gettext_lazy("«год»"),
    ),
    Rule(
        "season:period-word",
        "season",
        (("период", "сезон", "этап"),),
        never=(*MARK, *TERM, *SCORE),
        text=gettext_lazy("«период», «сезон»"),
    ),
)
RULE_TEXT = {rule.name: rule.text for rule in RULES}
RULE_TEXT["task"] = gettext_lazy("номер задания и максимум в скобках: «1 (1б)»")
RULE_TEXT["override"] = gettext_lazy("указано вручную")


def header_words(value) -> list[str]:
    """The words of a header, abbreviations expanded; «№» is the word «номер»."""
    text = header_text(value).replace("№", " номер ")
    text = re.sub(r"(\w)[-/](\w)\b", r"\1\2", text)  # «п/п», «уч-ся»
    words = re.findall(r"\w+", text)
    return [ABBREVIATIONS.get(w, w) for w in words]


def rule_matches(rule: Rule, words: list[str]) -> bool:
    if not words or any_stem(words, rule.never):
        return False
    if not all(any_stem(words, group) for group in rule.need):
        return False
    if rule.only:
        stems = [s for group in rule.need for s in group]
        return all(w in SMALL_WORDS or any(stem_hits(w, s) for s in stems) for w in words)
    return True


def claims(value) -> dict[str, str]:
    """meaning → the first rule that claims the header for it."""
    words = header_words(value)
    found: dict[str, str] = {}
    for rule in RULES:
        if rule.meaning not in found and rule_matches(rule, words):
            found[rule.meaning] = rule.name
    return found


def meaning_of(value) -> tuple[str | None, str, list[str]]:
    """(meaning or None, rule, every meaning that claims the header)."""
    found = claims(value)
    if len(found) == 1:
        meaning, rule = next(iter(found.items()))
        return meaning, rule, [meaning]
    return None, "", sorted(found)


@dataclass
class ColumnReading:
    """How the columns of one header row were understood."""

    columns: dict[str, int] = field(default_factory=dict)  # meaning → index (READ ones)
    variants: list[int] = field(default_factory=list)
    report: list[dict] = field(default_factory=list)  # {"header", "meaning", "rule"}
    unknown: list[str] = field(default_factory=list)
    problems: list[tuple[int | None, str]] = field(default_factory=list)  # (index, message)

    def column_of(self, meaning: str) -> int | None:
        return self.columns.get(meaning)


def parse_overrides(pairs) -> tuple[dict[str, str], list[str]]:
    """«HEADER=meaning» strings (or a mapping) → {normalised header: meaning}, problems."""
    overrides, problems = {}, []
    items = pairs.items() if isinstance(pairs, dict) else (_split(p) for p in pairs or ())
    labels = {header_text(label): key for key, label in MEANINGS.items()}
    for header, meaning in items:
        if header is None:
            problems.append(
                _("Укажите столбец как «ЗАГОЛОВОК=значение», например «Отметка=journal_mark».")
            )
            continue
        key = meaning.strip()
        key = key if key in MEANINGS else labels.get(header_text(key))
        if key is None:
            problems.append(
                _("Значение столбца «%(meaning)s» неизвестно; возможны: %(known)s.")
                % {"meaning": meaning, "known": ", ".join(MEANINGS)}
            )
            continue
        overrides[header_text(header)] = key
    return overrides, problems


def _split(pair: str):
    if "=" not in str(pair):
        return None, ""
    header, meaning = str(pair).rsplit("=", 1)
    return header.strip(), meaning


def read_columns(header: list, overrides: dict[str, str] | None = None) -> ColumnReading:
    """Understand every header of a pupil table; `overrides` maps normalised headers
    (`header_text`) to meanings and wins over the rules."""
    overrides = overrides or {}
    reading = ColumnReading()
    claimed: dict[str, list[int]] = {}
    forced: set[str] = set()
    for index, value in enumerate(header):
        if value is None or str(value).strip() == "":
            continue
        shown = str(value)
        forced_meaning = overrides.get(header_text(value))
        if forced_meaning is not None and task_from_header(value):
            reading.report.append({"header": shown, "meaning": TASK, "rule": "task"})
            reading.problems.append(
                (
                    index,
                    _(
                        "«%s» — столбец задания (номер и максимум в скобках): его значение "
                        "не меняется; исправьте заголовок в файле."
                    )
                    % shown,
                )
            )
            continue
        if forced_meaning is not None:
            reading.report.append({"header": shown, "meaning": forced_meaning, "rule": "override"})
            if forced_meaning != "ignore":
                forced.add(forced_meaning)
                claimed.setdefault(forced_meaning, []).insert(0, index)
            continue
        if task_from_header(value):
            reading.report.append({"header": shown, "meaning": TASK, "rule": "task"})
            continue
        meaning, rule, all_claims = meaning_of(value)
        if meaning is None and all_claims:
            reading.report.append({"header": shown, "meaning": "", "rule": "conflict"})
            reading.problems.append(
                (
                    index,
                    _(
                        "Заголовок «%(header)s» можно понять по-разному: %(meanings)s. "
                        "Укажите значение столбца вручную."
                    )
                    % {
                        "header": shown,
                        "meanings": ", ".join(f"«{MEANINGS[m]}»" for m in all_claims),
                    },
                )
            )
            continue
        if meaning is None:
            reading.report.append({"header": shown, "meaning": "", "rule": ""})
            reading.unknown.append(shown)
            continue
        reading.report.append({"header": shown, "meaning": meaning, "rule": rule})
        claimed.setdefault(meaning, []).append(index)
    by_index = dict(_indexed(header, reading.report))
    for meaning, indexes in claimed.items():
        if meaning == "variant":
            reading.variants = indexes
            continue
        if meaning not in READ:
            continue
        if meaning in forced:
            # A person's choice displaces what the rules guessed for the same meaning.
            for index in indexes[1:]:
                if by_index[index]["rule"] != "override":
                    by_index[index].update(meaning="ignore", rule="override")
            indexes = [i for i in indexes if by_index[i]["meaning"] == meaning]
        if len(indexes) > 1:
            headers = ", ".join(f"«{header[i]}»" for i in indexes)
            reading.problems.append(
                (
                    indexes[1],
                    _(
                        "Столбцы %(headers)s все похожи на «%(meaning)s»: укажите, какой из "
                        "них это, а остальным — «не загружать»."
                    )
                    % {"headers": headers, "meaning": MEANINGS[meaning]},
                )
            )
        reading.columns[meaning] = indexes[0]
    return reading


def _indexed(header, report):
    """(column index, report entry) pairs: the report lists non-empty headers in order."""
    indexes = [i for i, v in enumerate(header) if v is not None and str(v).strip() != ""]
    return zip(indexes, report, strict=True)


def override_hint(header: str, meaning: str) -> str:
    """How to tell the importer what a column is, on the command line and in the preview."""
    return _(
        'Если это так, укажите значение столбца: в команде импорта «--column "%(header)s='
        '%(meaning)s"», на странице проверки файла — в таблице «Как прочитаны столбцы».'
    ) % {"header": " ".join(str(header).split()), "meaning": meaning}
