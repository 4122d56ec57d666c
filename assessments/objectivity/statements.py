"""Sentences about a run that every output of it says in the same words: the run
page, the report (PDF and Word) and the list in XLSX."""

from __future__ import annotations

from django.utils.translation import gettext as _


def no_marker_meaning(min_school: int) -> str:
    """What a school without a marker means: not proof of objective results (the
    thresholds keep false alarms rare and let small violations pass), and a test
    under `min_school` pupils read only with the school's other tests of the year."""
    return _(
        "Отсутствие маркера не доказывает, что результаты объективны. Пороги выбраны так, "
        "чтобы честная школа получала маркер редко, и за это проверка пропускает часть "
        "нарушений, прежде всего небольших: завышение в одном-двух классах, «дотягивание» "
        "нескольких работ до границы отметки, подсказки или списывание у немногих учеников. "
        "Работу, которую в школе писали меньше %(pupils)s участников, проверка читает только "
        "вместе с другими работами школы за год, если в них вместе набирается %(pupils)s "
        "участников."
    ) % {"pupils": min_school}
