"""Gates between reading a pupil table and writing it: does what was read look like
what honest files hold? Pure: a ParsedFile and the marks the scale gives in, problems
out.

Honest files disagree with themselves rarely: ФИС ОКО and the regional centres
derive the test's mark from the scale, the total is the sum of the tasks, a
score never passes its task's maximum, a participant code is issued once, and a
journal mark is seldom two marks away from the test's. When a share of a file's
pupils far beyond that disagrees, the column was most likely taken for what it
is not (a term mark read as the test's mark, a shifted block of tasks), and the
import stops, naming the column, the share and how to say what it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.utils.translation import gettext as _

from assessments.results.importers.columns import override_hint
from assessments.results.importers.common import ParsedFile
from infra.problems import Problem

# A share of pupils beyond which a column is taken to be something else. Honest
# files stay far below: a mark the scale does not give or a total that is not the
# sum are typing slips of a few pupils.
MAX_SHARE = 0.10
# Journal marks two or more away from the test's mark: a few per cent in honest
# files (ФИС ОКО lists those pupils one by one); a quarter means another column.
# Judged on files of many pupils only: one school whose journal is far from an
# objective test is a finding about the school, not a column taken wrongly.
MAX_FAR_JOURNAL_SHARE = 0.25
MIN_FAR_JOURNAL_PUPILS = 100
# Journal marks equal to the test's for (nearly) every pupil of a large file: the
# test's mark read twice, not the journal.
MAX_SAME_JOURNAL_SHARE = 0.98
MIN_SAME_JOURNAL_PUPILS = 200
MIN_PUPILS = 10  # below this a share says nothing
MIN_COUNT = 3  # and fewer pupils than this are slips, whatever the share


def tally(marks: Iterable[tuple]) -> dict[str, int]:
    """Count, in one pass over (scale mark, file mark, journal mark) per pupil, what the
    gates compare: pupils with both a file and a scale mark and how many disagree;
    pupils with a journal and a test mark, how many are two or more apart, how many
    equal."""
    checked = disagree = pairs = far = same = 0
    # Few distinct triples (marks 2–5 or none): count them at C speed, then weigh.
    for (scale_mark, file_mark, journal), n in Counter(marks).items():
        if file_mark is not None and scale_mark is not None:
            checked += n
            disagree += n * (file_mark != scale_mark)
        if journal is None:
            continue
        test = scale_mark if scale_mark is not None else file_mark
        if test is not None:
            pairs += n
            far += n * (abs(journal - test) >= 2)
            same += n * (journal == test)
    return {"checked": checked, "disagree": disagree, "pairs": pairs, "far": far, "same": same}


def _share(count: int, of: int) -> str:
    return f"{100 * count / of:.1f} %".replace(".", ",")


def _beyond(count: int, of: int, limit: float) -> bool:
    return of >= MIN_PUPILS and count >= MIN_COUNT and count > limit * of


def _refuser(parsed: ParsedFile, problems: list[Problem]):
    def refuse(header: str, message: str) -> None:
        problems.append(
            Problem(file=parsed.file, sheet=parsed.sheet, column=header, message=message)
        )

    return refuse


def mark_gates(parsed: ParsedFile, marks: Iterable[tuple]) -> list[Problem]:
    """The gates that need the scale: the file's marks and the journal's against the
    test's mark, given as (scale mark, file mark, journal mark) per pupil. Every gate
    the file fails, in Russian, naming the column and the share."""
    named = parsed.column_index
    problems: list[Problem] = []
    refuse = _refuser(parsed, problems)
    counts = tally(marks)
    checked, disagree = counts["checked"], counts["disagree"]
    pairs, far, same = counts["pairs"], counts["far"], counts["same"]
    if _beyond(disagree, checked, MAX_SHARE):
        header = named.get("file_mark", "")
        refuse(
            header,
            _(
                "Столбец «%(header)s» взят за отметку за работу, но у %(count)d из %(of)d "
                "участников (%(share)s) она не совпадает с отметкой по шкале процедуры. "
                "Вероятно, это не отметка за работу, а отметка за четверть (триместр, "
                "полугодие) из журнала. %(hint)s Если же столбец верен, проверьте шкалу "
                "процедуры. Ничего не записано."
            )
            % {
                "header": header,
                "count": disagree,
                "of": checked,
                "share": _share(disagree, checked),
                "hint": override_hint(header, "journal_mark"),
            },
        )
    header = named.get("journal_mark", "")
    if pairs >= MIN_FAR_JOURNAL_PUPILS and _beyond(far, pairs, MAX_FAR_JOURNAL_SHARE):
        refuse(
            header,
            _(
                "Столбец «%(header)s» взят за отметку в журнале, но у %(count)d из %(of)d "
                "участников (%(share)s) она отличается от отметки за работу на два балла и "
                "больше. Вероятно, в столбце не журнальные отметки. %(hint)s Ничего не записано."
            )
            % {
                "header": header,
                "count": far,
                "of": pairs,
                "share": _share(far, pairs),
                "hint": override_hint(header, "ignore"),
            },
        )
    elif pairs >= MIN_SAME_JOURNAL_PUPILS and same > MAX_SAME_JOURNAL_SHARE * pairs:
        refuse(
            header,
            _(
                "Столбец «%(header)s» взят за отметку в журнале, но у %(count)d из %(of)d "
                "участников (%(share)s) она равна отметке за работу. Вероятно, это сама "
                "отметка за работу. %(hint)s Ничего не записано."
            )
            % {
                "header": header,
                "count": same,
                "of": pairs,
                "share": _share(same, pairs),
                "hint": override_hint(header, "file_mark"),
            },
        )
    return problems


def reading_gates(parsed: ParsedFile) -> list[Problem]:
    """The gates on what was read alone: scores against the tasks' maxima, totals
    against the sum of the tasks, one participant code twice."""
    named = parsed.column_index
    problems: list[Problem] = []
    refuse = _refuser(parsed, problems)
    rows = len(parsed.rows)
    read = rows + parsed.rows_refused
    for column, count in sorted(parsed.over_maximum.items()):
        if _beyond(count, read, MAX_SHARE):
            refuse(
                column,
                _(
                    "В столбце «%(header)s» у %(count)d из %(of)d участников (%(share)s) балл "
                    "больше максимума, указанного в заголовке. Вероятно, столбцы заданий "
                    "сдвинуты или максимум в заголовке неверен. Ничего не записано."
                )
                % {"header": column, "count": count, "of": read, "share": _share(count, read)},
            )
    if _beyond(parsed.total_mismatches, rows, MAX_SHARE):
        header = named.get("total", "")
        refuse(
            header,
            _(
                "Столбец «%(header)s» взят за сумму первичных баллов, но у %(count)d из %(of)d "
                "участников (%(share)s) он не равен сумме баллов по заданиям. Вероятно, это "
                "другой столбец (тестовый балл, отметка) или не все задания распознаны. "
                "%(hint)s Ничего не записано."
            )
            % {
                "header": header,
                "count": parsed.total_mismatches,
                "of": rows,
                "share": _share(parsed.total_mismatches, rows),
                "hint": override_hint(header, "ignore"),
            },
        )
    if _beyond(parsed.repeated_codes, read, MAX_SHARE):
        header = named.get("participant", parsed.code_column)
        refuse(
            header,
            _(
                "В столбце «%(header)s» код участника повторяется у %(count)d из %(of)d "
                "строк (%(share)s). Вероятно, это не код участника (а, например, вариант или "
                "класс). %(hint)s Ничего не записано."
            )
            % {
                "header": header,
                "count": parsed.repeated_codes,
                "of": read,
                "share": _share(parsed.repeated_codes, read),
                "hint": override_hint(header, "ignore"),
            },
        )
    return problems
