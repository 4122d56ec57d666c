"""Deadline text normalised and cut into tokens; the wordings that mark each kind."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# --------------------------------------------------------------------------- normalising


_DASHES = str.maketrans(
    {
        "–": "-", "—": "-", "‒": "-", "−": "-", "‐": "-", "‑": "-", "―": "-",
        "\u00a0": " ", "ё": "е", "і": "i", "«": " ", "»": " ", '"': " ", "“": " ", "”": " ",
    }
)  # fmt: skip


def _normalize(text: str) -> str:
    s = re.sub(r"<[^>]*>", " ", text)
    s = s.lower().translate(_DASHES)
    s = re.sub(r"\s+", " ", s).strip()
    # "2023/2024", "2023/24", "2023-24" -> "2023-2024"
    s = re.sub(r"(?<!\d)((?:19|20)\d{2})\s*[/-]\s*((?:19|20)\d{2})(?!\d)", r"\1-\2", s)
    s = re.sub(
        r"(?<!\d)((?:19|20)(\d{2}))\s*[/-]\s*(\d{2})(?![\d.])",
        lambda m: (
            f"{m.group(1)}-{m.group(1)[:2]}{m.group(3)}"
            if int(m.group(3)) == (int(m.group(2)) + 1) % 100
            else m.group(0)
        ),
        s,
    )
    # "уч. года", "уч.г.", "уч. год" -> "учебного года"
    s = re.sub(r"(?<![а-я])уч\.?\s*(?:г\.?|года|год)(?![а-я])\.?", " учебного года ", s)
    # a document cited by date is not a deadline: «согласно приказу от 12.03.2020 № 26»
    s = re.sub(
        r"((?:приказ|распоряжени|письм|постановлени|решени)[а-я]*)[^,;]*?\sот\s+\S+(?:\s+г\.?)?"
        r"\s*(?:№|n)\s*\S+",
        r"\1",
        s,
    )
    # "2023г.", "2023 г", "2023 года", "2019-2020 гг." -> the bare year
    s = re.sub(r"(?<=\d)\s*(?:гг|г|года|год|годы|годах|году)(?![а-я])\.?", " ", s)
    return re.sub(r"\s+", " ", s).strip(" .,;:")


# --------------------------------------------------------------------------- tokens

_MONTH_WORD = (
    r"январ[а-я]*|янв\.?|феврал[а-я]*|февр?\.?|март[а-я]*|мар\.?|апрел[а-я]*|апр\.?|"
    r"ма[йяею]м?|июн[а-я]*|июл[а-я]*|август[а-я]*|авг\.?|сентябр[а-я]*|сент?\.?|"
    r"октябр[а-я]*|окт\.?|ноябр[а-я]*|нояб?\.?|декабр[а-я]*|дек\.?"
)
_MONTH_BY_STEM = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "ма": 5, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
}  # fmt: skip


def _month_number(word: str) -> int:
    return _MONTH_BY_STEM.get(word[:3], _MONTH_BY_STEM.get(word[:2], 0))


_ORDINALS = {"перв": 1, "втор": 2, "трет": 3, "четв": 4}

_TOKEN_RE = re.compile(
    r"(?P<numdate>(?<![\d.])(?P<nd>\d{1,2})\.(?P<nm>\d{1,2})(?:\.(?P<ny>\d{4}|\d{2}))?(?![\d])(?!\.\d))"
    r"|(?P<daymonth>(?<![\d.])(?P<dd>\d{1,2})(?:-?(?:го|ое|е))?\s+(?P<dm>"
    + _MONTH_WORD
    + r")(?![а-я]))"
    r"|(?P<month>(?<![а-я])(?:" + _MONTH_WORD + r")(?![а-я]))"
    r"|(?P<year>(?<![\d.])(?:19|20)\d{2}(?![\d]))"
    r"|(?P<num>(?<![\d.])\d{1,3}(?:-?(?:й|я|е|го|ое|ой|ая|ый))?(?![\d]))"
    r"|(?P<roman>(?<![a-zа-я])(?:iv|i{1,3})(?![a-zа-я]))"
    r"|(?P<ord>(?<![а-я])(?:перв|втор|трет|четверт(?=ый|ая|ой|ого|ую|ое|ом))[а-я]*)"
    r"|(?P<qs>(?<![а-я])(?:четверт(?:ь|и|ей|ям|ями|ях)|четв\.?)(?![а-я]))"
    r"|(?P<qc>(?<![а-я])(?:квартал[а-я]*|кв\.?(?![а-я])))"
    r"|(?P<half>(?<![а-я])(?:полугоди[а-я]*|полуг\.?(?![а-я])))"
    r"|(?P<dash>-)"
    r"|(?P<sep>[,;/+&]|(?<![а-я])и(?![а-я]))"
    r"|(?P<word>[а-яa-z]+)"
)


@dataclass
class _Tok:
    kind: str  # date month year num roman ord qs qc half dash sep word
    text: str
    month: int = 0
    day: int = 0
    year: int | None = None
    value: int = 0


def _tokenize(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN_RE.finditer(s):
        kind = m.lastgroup
        if kind == "numdate":
            day, month = int(m["nd"]), int(m["nm"])
            year = m["ny"]
            if not (1 <= month <= 12 and 1 <= day <= 31):
                toks.append(_Tok("word", m.group(0)))
                continue
            y = None
            if year:
                y = int(year) if len(year) == 4 else 2000 + int(year)
            toks.append(_Tok("date", m.group(0), month=month, day=day, year=y))
        elif kind == "daymonth":
            day, month = int(m["dd"]), _month_number(m["dm"])
            if not 1 <= day <= 31:
                toks.append(_Tok("num", m["dd"], value=day))
                toks.append(_Tok("month", m["dm"], month=month))
                continue
            toks.append(_Tok("date", m.group(0), month=month, day=day))
        elif kind == "month":
            toks.append(_Tok("month", m.group(0), month=_month_number(m.group(0))))
        elif kind == "year":
            toks.append(_Tok("year", m.group(0), value=int(m.group(0))))
        elif kind == "num":
            toks.append(_Tok("num", m.group(0), value=int(re.match(r"\d+", m.group(0))[0])))
        elif kind == "roman":
            toks.append(
                _Tok("roman", m.group(0), value={"i": 1, "ii": 2, "iii": 3, "iv": 4}[m.group(0)])
            )
        elif kind == "ord":
            toks.append(_Tok("ord", m.group(0), value=_ORDINALS[m.group(0)[:4]]))
        else:
            toks.append(_Tok(kind, m.group(0)))
    # A year right after a date or a month belongs to it: "Декабрь 2023", "25 мая 2024".
    out: list[_Tok] = []
    for tok in toks:
        prev = out[-1] if out else None
        if (
            tok.kind == "year"
            and prev is not None
            and prev.kind in ("date", "month")
            and prev.year is None
        ):
            prev.year = tok.value
            continue
        out.append(tok)
    return out


# --------------------------------------------------------------------------- markers

_ON_DEMAND_RE = re.compile(
    r"по мере (?:необходимости|потребности|поступлени|получени)|по необходимости|при необходимости|"
    r"в случае необходимости|по запрос|по требовани|по заявк|по обращени|по мере выявлени"
)
_CONTINUOUS_RE = re.compile(
    r"в течени|весь период|всего периода|постоянн|на постоянной основе|регулярн|систематическ|"
    r"плановый период|планового периода|на протяжении|круглогодичн|в период действия|"
    r"периодически|ежедневн|в течение всего|весь год|весь учебный год|текущ|в рабочем порядке"
)
_END_OF_SCHOOL_YEAR_RE = re.compile(
    r"(?:конц|окончани|завершени|итог)[а-я]* (?:текущего |\d{4}(?:-\d{4})? )?учебного (?:\d{4} )?года"
)
_AND_SCHOOL_YEAR_RE = re.compile(
    r"(?:(?<![а-я])и|,)\s+(?:по итогам\s+|до конца\s+|конца\s+)?(?:текущего\s+)?учебного года"
)
_START_OF_SCHOOL_YEAR_RE = re.compile(r"(к |до )?начал[а-я]* (?:нового |нового )?учебного года")
_RELATIVE_RE = re.compile(
    r"(?:в течение|не позднее|через|за)\s+(\d+|одного|двух|трех|пяти|десяти)?\s*"
    r"(рабоч[а-я]* |календарн[а-я]* )?(дн|день|недел|месяц)[а-я]*\s+(после|до|с момента|со дня)"
)
_TIED_RE = re.compile(
    r"график|расписани|срок|проведени|итог|результат|после|период|(?<![а-я])дн|день|перед|"
    r"(?<![а-я])до(?![а-я])|накануне"
)
_DURATION_RE = re.compile(
    r"(?:в течение|за|через)\s+(?:\d+|одного|двух|трех|пяти|десяти)?\s*"
    r"(?:рабоч[а-я]* |календарн[а-я]* )?(?:дн|день|недел|месяц)"
)
_END_OF_YEAR_RE = re.compile(r"(?:конц|окончани|итог)[а-я]* (?:календарного |текущего )?года")
_EVENT_MARKER_RE = re.compile(
    r"график|расписани|по плану|в соответствии с план|согласно план|в сроки|сроками проведения|"
    r"в период проведения|в дни проведения|в день проведения|по срокам|после проведения|"
    r"по итогам проведения|по факту|после получени|в соответствии с приказ|согласно приказ"
)
_EVENT_NAMES = (
    (re.compile(r"(?<![а-я])впр(?![а-я])"), "ВПР"),
    (re.compile(r"(?<![а-я])огэ(?![а-я])"), "ОГЭ"),
    (re.compile(r"(?<![а-я])егэ(?![а-я])"), "ЕГЭ"),
    (re.compile(r"(?<![а-я])гвэ(?![а-я])"), "ГВЭ"),
    (re.compile(r"(?<![а-я])(?:гиа|государственной итоговой аттестации)(?![а-я])"), "ГИА"),
    (re.compile(r"(?<![а-я])нико(?![а-я])"), "НИКО"),
    (re.compile(r"(?<![а-я])рдр(?![а-я])|региональн[а-я]* диагностическ"), "РДР"),
)

_FREQUENCIES = (
    (re.compile(r"ежечетвертн|кажд[а-я]* четверт|по четвертям|раза? в четверть|по итогам четвертей"), "school_quarters"),
    (re.compile(r"ежекварт|кажд[а-я]* квартал|поквартальн|раза? в квартал"), "quarterly"),
    (re.compile(r"ежеполугод|кажд[а-я]* полугоди|раза? в полгода|раза? в полугодие|дважды в год"), "half_yearly"),
    (re.compile(r"ежемесячн|кажд[а-я]* месяц|раза? в месяц|помесячн"), "monthly"),
    (
        re.compile(
            r"еженедельн|кажд[а-я]* недел|раза? в неделю|"
            r"(?:кажд[а-я]*|по) (?:понедельник|вторник|сред|четверг|пятниц|суббот)"
        ),
        "weekly",
    ),
    (re.compile(r"ежегодн|кажд[а-я]* (?:учебный |календарный )?год|раза? в год|ежегодный"), "yearly"),
)  # fmt: skip
_TIMES_RE = re.compile(
    r"(?<![\d])(\d+|один|одна|два|две|три|четыре|пять|шесть)\s*раз[а]?\s*в\s*"
    r"(год|учебный год|полугодие|полгода|квартал|четверть|месяц|неделю)"
)
_TIMES_WORDS = {
    "один": 1,
    "одна": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
}
_TIMES = {
    (1, "год"): "yearly", (1, "учебный год"): "yearly", (2, "год"): "half_yearly",
    (2, "учебный год"): "half_yearly", (4, "год"): "quarterly", (12, "год"): "monthly",
    (1, "полугодие"): "half_yearly", (1, "полгода"): "half_yearly", (2, "полугодие"): "quarterly",
    (1, "квартал"): "quarterly", (3, "квартал"): "monthly", (1, "четверть"): "school_quarters",
    (1, "месяц"): "monthly", (1, "неделю"): "weekly",
}  # fmt: skip
_WEEKDAYS = (
    ("понедельник", 0),
    ("вторник", 1),
    ("сред", 2),
    ("четверг", 3),
    ("пятниц", 4),
    ("суббот", 5),
)
_APPROXIMATE = (
    (re.compile(r"перв[а-я]* декад|начал[а-я]*"), 10),
    (re.compile(r"втор[а-я]* декад|середин[а-я]*|перв[а-я]* половин"), 15),
)
_COMBO_RE = re.compile(
    r"\s*[,;.]?\s*(?:-\s*)?(?:далее|затем|в дальнейшем|впоследствии)\s*[-:,]?\s*"
)


def _frequency(s: str) -> tuple[str, str]:
    """(frequency, warning); frequency "" when the text names none."""
    m = _TIMES_RE.search(s)
    if m:
        count = m.group(1)
        n = int(count) if count.isdigit() else _TIMES_WORDS[count]
        freq = _TIMES.get((n, m.group(2)))
        if freq:
            return freq, ""
        return "irregular", _("Частота «%(text)s» не поддерживается: укажите даты.") % {
            "text": m.group(0)
        }
    for pattern, freq in _FREQUENCIES:
        if pattern.search(s):
            return freq, ""
    if re.search(r"следующ[а-я]* за отчетн", s):  # «до 5 числа месяца, следующего за отчётным»
        if "квартал" in s:
            return "quarterly", ""
        if "полугоди" in s:
            return "half_yearly", ""
        return "monthly", ""
    return "", ""


def _offset_days(s: str) -> int | None:
    """«в течение 10 дней после проведения ВПР» -> 10; «за 2 недели до ВПР» -> -14; None."""
    m = _RELATIVE_RE.search(s)
    if not m:
        return None
    words = {"одного": 1, "двух": 2, "трех": 3, "пяти": 5, "десяти": 10}
    count = m.group(1)
    n = 1 if not count else (int(count) if count.isdigit() else words[count])
    n = min(n, 366)
    unit = m.group(3)
    if unit.startswith("недел"):
        days = 7 * n
    elif unit.startswith("месяц"):
        days = 30 * n
    elif m.group(2) and m.group(2).startswith("рабоч"):
        days = n + 2 * ((n - 1) // 5)  # working days, roughly: weekends added
    else:
        days = n
    return -days if m.group(4) == "до" else days


def _events(s: str) -> list[str]:
    found = []
    for pattern, name in _EVENT_NAMES:
        m = pattern.search(s)
        if m:
            found.append((m.start(), name))
    return [name for _pos, name in sorted(found)]
