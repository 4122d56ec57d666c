"""Demo results for the schools of schools/demo.py: ВПР grades 4 and 5, Russian and
maths, 2023–2025, with their task structure and scales, and one year of ОГЭ
(maths) and ЕГЭ (Russian). Generated from a fixed seed, so the same seed gives
the same rows; running it again replaces the demo rows and adds nothing.

Pupils have an ability, tasks a difficulty (basic tasks easier than advanced
and high ones), schools a level; two schools per region mark generously: pupils
a point or two short of a mark boundary are pushed over it, and their ОГЭ
papers share answer strings, so the objectivity checks have something to find.
"""

from __future__ import annotations

import hashlib
import math
import random

from django.db import transaction

from assessments.results.models import (
    ImportBatch,
    Instrument,
    Level,
    Procedure,
    Result,
    ResultPrivacy,
    Scale,
    Season,
    Subject,
    Task,
)
from assessments.results.scales import mark_for
from assessments.results.services.partitions import result_partition_ensure
from assessments.results.services.rows import RESULT_COLUMNS, results_write
from schools.models import School

YEARS = (2023, 2024, 2025)
EXAM_YEAR = 2025

# (number, max score, level, planned result)
VPR_TASKS = {
    (Subject.RUSSIAN, 4): [
        ("1", 4, "Б", "Писать под диктовку текст в соответствии с изученными правилами"),
        ("2", 3, "Б", "Проводить разбор предложения по членам предложения"),
        ("3.1", 1, "Б", "Распознавать однородные члены предложения"),
        ("3.2", 3, "Б", "Находить части речи в предложении"),
        ("4", 1, "Б", "Распознавать правильную орфоэпическую норму"),
        ("5", 1, "Б", "Классифицировать согласные звуки"),
        ("6", 2, "П", "Определять тему и главную мысль текста"),
        ("7", 2, "П", "Составлять план текста"),
        ("8", 3, "П", "Задавать вопросы по содержанию текста"),
        ("9", 2, "П", "Определять значение слова по тексту"),
        ("10", 1, "Б", "Подбирать синонимы"),
        ("11", 1, "Б", "Находить в словах с однозначно выделяемыми морфемами корень"),
        ("12.1", 1, "Б", "Распознавать имена существительные"),
        ("12.2", 1, "Б", "Определять морфологические признаки имён существительных"),
        ("13.1", 2, "Б", "Распознавать имена прилагательные"),
        ("13.2", 2, "Б", "Определять морфологические признаки имён прилагательных"),
        ("14", 2, "Б", "Распознавать глаголы"),
        ("15", 1, "П", "Интерпретировать содержащуюся в тексте информацию"),
        ("16", 2, "В", "Понимать смысл пословицы и соотносить её с ситуацией"),
        ("17", 3, "В", "Строить речевое высказывание в соответствии с ситуацией"),
    ],
    (Subject.MATH, 4): [
        ("1", 1, "Б", "Выполнять арифметические действия с числами"),
        ("2", 1, "Б", "Вычислять значение числового выражения"),
        ("3", 2, "Б", "Решать арифметическим способом задачи, связанные с повседневной жизнью"),
        ("4", 1, "Б", "Исследовать, распознавать геометрические фигуры"),
        ("5.1", 1, "Б", "Вычислять периметр прямоугольника"),
        ("5.2", 1, "Б", "Изображать геометрические фигуры"),
        ("6.1", 1, "Б", "Читать несложные готовые таблицы"),
        ("6.2", 1, "П", "Сравнивать и обобщать информацию, представленную в таблице"),
        ("7", 1, "Б", "Выполнять письменно действия с многозначными числами"),
        ("8", 2, "П", "Решать текстовые задачи в 3–4 действия"),
        (
            "9.1",
            1,
            "П",
            "Интерпретировать информацию, полученную при проведении несложных исследований",
        ),
        ("9.2", 1, "П", "Находить и обосновывать ответ"),
        ("10", 2, "П", "Решать задачи на измерение величин"),
        ("11", 2, "В", "Описывать взаимное расположение предметов в пространстве"),
        ("12", 2, "В", "Решать задачи в 3–4 действия (логическая задача)"),
    ],
    (Subject.RUSSIAN, 5): [
        ("1К1", 4, "Б", "Списывать текст с пропусками орфограмм и пунктограмм"),
        ("1К2", 3, "Б", "Соблюдать изученные пунктуационные нормы"),
        ("1К3", 3, "Б", "Правильно списывать осложнённый пропусками текст"),
        ("2К1", 3, "Б", "Проводить фонетический анализ слова"),
        ("2К2", 3, "Б", "Проводить морфемный анализ слова"),
        ("2К3", 3, "П", "Проводить морфологический анализ слова"),
        ("2К4", 3, "П", "Проводить синтаксический анализ предложения"),
        ("3", 2, "Б", "Распознавать ударные и безударные гласные"),
        ("4", 2, "Б", "Распознавать части речи"),
        ("5", 2, "Б", "Распознавать предложения с прямой речью"),
        ("6", 2, "Б", "Распознавать предложения с обращением"),
        ("7", 2, "П", "Распознавать сложные предложения"),
        ("8", 3, "П", "Определять основную мысль текста"),
        ("9", 2, "П", "Составлять план текста"),
        ("10", 2, "П", "Отвечать на вопросы по содержанию текста"),
        ("11", 2, "Б", "Распознавать лексическое значение слова"),
        ("12", 2, "В", "Подбирать антонимы"),
        ("13", 2, "В", "Понимать смысл фразеологизма"),
    ],
    (Subject.MATH, 5): [
        ("1", 1, "Б", "Оперировать понятием «натуральное число»"),
        ("2", 1, "Б", "Выполнять действия с обыкновенными дробями"),
        ("3", 1, "Б", "Выполнять действия с десятичными дробями"),
        ("4", 1, "Б", "Решать задачи на нахождение части числа"),
        ("5", 1, "Б", "Вычислять значение выражения"),
        ("6", 1, "Б", "Читать информацию, представленную в таблице"),
        ("7", 1, "Б", "Решать несложные сюжетные задачи"),
        ("8", 2, "П", "Решать задачи на движение"),
        ("9", 2, "П", "Вычислять значение числового выражения с несколькими действиями"),
        ("10", 2, "П", "Решать задачи практического содержания"),
        ("11", 1, "Б", "Извлекать информацию из диаграммы"),
        ("12", 2, "П", "Оперировать геометрическими понятиями"),
        ("13", 2, "В", "Решать задачи на развёртку куба"),
        ("14", 2, "В", "Решать логические задачи"),
    ],
}
VPR_SCALES = {
    (Subject.RUSSIAN, 4): [[0, 13, 2], [14, 23, 3], [24, 32, 4], [33, 38, 5]],
    (Subject.MATH, 4): [[0, 5, 2], [6, 9, 3], [10, 14, 4], [15, 20, 5]],
    (Subject.RUSSIAN, 5): [[0, 17, 2], [18, 28, 3], [29, 38, 4], [39, 45, 5]],
    (Subject.MATH, 5): [[0, 6, 2], [7, 11, 3], [12, 15, 4], [16, 20, 5]],
}
OGE_GEOMETRY = ["15", "16", "17", "18", "19", "23", "24", "25"]
OGE_TASKS = [(str(n), 1, "Б" if n <= 14 else "П", "") for n in range(1, 20)] + [
    (str(n), 2, "П" if n <= 22 else "В", "") for n in range(20, 26)
]
OGE_SCALE = [[0, 7, 2], [8, 14, 3], [15, 21, 4], [22, 31, 5]]
EGE_TASKS = [(str(n), 1, "Б", "") for n in range(1, 27)] + [("27", 24, "В", "Сочинение")]
# Primary 0–50 → test score; a non-linear table as ЕГЭ scales are.
EGE_SCALE = [[p, p, round(100 * (p / 50) ** 0.75)] for p in range(51)]
LEVEL_DIFFICULTY = {Level.BASIC: -0.9, Level.ADVANCED: 0.3, Level.HIGH: 1.2}


def _demo_schools():
    from schools.demo import TREE

    codes = [code for code, _name in TREE]
    return list(
        School.objects.filter(region__code__in=codes).select_related("region").order_by("code")
    )


def _procedure(region, instrument, subject, grade, year, tasks, scale_ranges, **scale):
    procedure, _ = Procedure.objects.update_or_create(
        region=region,
        instrument=instrument,
        subject=subject,
        grade=grade,
        year=year,
        season=Season.SPRING if instrument == Instrument.VPR else Season.MAIN,
        defaults={"max_score": sum(t[1] for t in tasks), "note": "демонстрационные данные"},
    )
    if not procedure.tasks.exists():
        Task.objects.bulk_create(
            [
                Task(
                    procedure=procedure,
                    position=i,
                    number=number,
                    max_score=maximum,
                    level=level,
                    planned_result=planned,
                    part="1" if maximum == 1 else "2",
                )
                for i, (number, maximum, level, planned) in enumerate(tasks, start=1)
            ]
        )
    scale_obj, _ = Scale.objects.update_or_create(
        region=region,
        instrument=instrument,
        year=year,
        grade=grade,
        subject=subject,
        defaults={
            "max_score": sum(t[1] for t in tasks),
            "ranges": scale_ranges,
            "source": "демонстрационные данные",
            **scale,
        },
    )
    return procedure, scale_obj


def _task_score(rng, ability, difficulty, maximum):
    p = 1 / (1 + math.exp(-(ability - difficulty)))
    return sum(rng.random() < p for _ in range(maximum))


def _push_over_boundary(scores, tasks, ranges, rng):
    """An inflated marker: a pupil one or two points under a boundary gets them."""
    total = sum(s or 0 for s in scores)
    for low, _high, _mark in ranges[1:]:
        if 0 < low - total <= 2 and rng.random() < 0.7:
            for _ in range(low - total):
                open_tasks = [i for i, s in enumerate(scores) if (s or 0) < tasks[i][1]]
                if not open_tasks:
                    break
                i = rng.choice(open_tasks)
                scores[i] = (scores[i] or 0) + 1
            break
    return scores


def _pupils(rng, *, school_level, count, grade, tasks, ranges, scale, inflated, answer_copies):
    """Generated rows: (class, code, variant, scores, primary, mark, test, journal, sex, answers)."""
    difficulties = [LEVEL_DIFFICULTY[Level(t[2])] + rng.gauss(0, 0.3) for t in tasks]
    rows = []
    shared_answers = None
    for i in range(count):
        ability = rng.gauss(school_level, 1.0)
        scores = []
        for (_number, maximum, _level, _p), difficulty in zip(tasks, difficulties, strict=True):
            if rng.random() < 0.02 + 0.04 * (difficulty > 0.5):
                scores.append(None)  # not attempted
            else:
                scores.append(_task_score(rng, ability, difficulty, maximum))
        if inflated:
            scores = _push_over_boundary(scores, tasks, ranges, rng)
        answers = "".join(
            "+" if s == 1 else "-" if s == 0 else ("x" if s is None else str(s))
            for s, t in zip(scores, tasks, strict=True)
            if t[1] == 1
        )
        if answer_copies and i % 6 == 0:
            shared_answers = shared_answers or answers
            answers = shared_answers
        primary = sum(s or 0 for s in scores)
        value = mark_for(scale, primary, dict(zip((t[0] for t in tasks), scores, strict=True)))
        journal = max(2, min(5, round(3.7 + 0.8 * ability + rng.gauss(0, 0.6))))
        rows.append(
            (
                f"{grade}{'абвг'[i % max(1, math.ceil(count / 25))]}",
                str(40001 + i),
                str(1 + i % 2),
                scores,
                primary,
                value,
                journal,
                rng.choice("мж"),
                answers,
            )
        )
    return rows


@transaction.atomic
def build_demo_results(seed: int = 2026) -> dict:
    """Create or replace the demo results; returns counts. Idempotent for a seed."""
    rng = random.Random(seed)
    schools = _demo_schools()
    if not schools:
        return {"procedures": 0, "results": 0}
    by_region: dict[int, list[School]] = {}
    for school in schools:
        by_region.setdefault(school.region_id, []).append(school)
    levels = {
        s.pk: rng.gauss(0.35 if s.kind in ("gymnasium", "lyceum") else 0.0, 0.35) for s in schools
    }
    inflated = set()
    for region_schools in by_region.values():
        ordinary = [s for s in region_schools if s.kind not in ("gymnasium", "lyceum")]
        inflated.update(s.pk for s in rng.sample(ordinary, min(2, len(ordinary))))
    plan = []
    for year in YEARS:
        for (subject, grade), tasks in VPR_TASKS.items():
            plan.append(
                (Instrument.VPR, subject, grade, year, tasks, VPR_SCALES[(subject, grade)], {})
            )
    plan.append(
        (
            Instrument.OGE,
            Subject.MATH,
            9,
            EXAM_YEAR,
            OGE_TASKS,
            OGE_SCALE,
            {
                "conditions": [
                    {
                        "tasks": OGE_GEOMETRY,
                        "min": 2,
                        "mark": 2,
                        "text": "не менее 2 баллов по геометрии",
                    }
                ]
            },
        )
    )
    plan.append(
        (
            Instrument.EGE,
            Subject.RUSSIAN,
            11,
            EXAM_YEAR,
            EGE_TASKS,
            EGE_SCALE,
            {"kind": Scale.Kind.TEST_SCORE, "minimum_score": 24, "admission_minimum": 36},
        )
    )
    total = 0
    procedures = 0
    for region_schools in by_region.values():
        region = region_schools[0].region
        privacy, _ = ResultPrivacy.objects.get_or_create(
            region=region,
            defaults={
                "salt": hashlib.sha256(f"demo-{seed}-{region.code}".encode()).hexdigest()[:32]
            },
        )
        for instrument, subject, grade, year, tasks, ranges, scale_extra in plan:
            procedure, scale = _procedure(
                region, instrument, subject, grade, year, tasks, ranges, **scale_extra
            )
            procedures += 1
            eligible = [
                s
                for s in region_schools
                if not (grade >= 9 and s.kind == "primary")
                and not (grade == 11 and s.kind == "basic")
            ]
            Result.objects.filter(procedure=procedure, school__in=region_schools).delete()
            ImportBatch.objects.filter(procedure=procedure, file_name__startswith="демо").delete()
            batch = ImportBatch.objects.create(
                region=region,
                file_name=f"демо-{instrument}-{subject}-{grade}-{year}.csv",
                sha256=hashlib.sha256(f"{seed}-{procedure.pk}".encode()).hexdigest(),
                format=ImportBatch.Format.CONSOLIDATED,
                procedure=procedure,
                status=ImportBatch.Status.DONE,
                progress=100,
            )
            rows = []
            test_scale = scale.kind == Scale.Kind.TEST_SCORE
            for school in eligible:
                # A school's cohort drifts a little from year to year.
                level = levels[school.pk] + rng.gauss(0, 0.15) + (0.4 if grade >= 9 else 0.0)
                count = rng.randint(18, 75) if school.locality == "urban" else rng.randint(6, 24)
                for cls, code, variant, scores, primary, value, journal, sex, answers in _pupils(
                    rng,
                    school_level=level,
                    count=count,
                    grade=grade,
                    tasks=tasks,
                    ranges=ranges,
                    scale=scale,
                    inflated=school.pk in inflated,
                    answer_copies=school.pk in inflated and instrument == Instrument.OGE,
                ):
                    exam = instrument in (Instrument.OGE, Instrument.EGE)
                    person = (
                        hashlib.sha256(
                            f"{privacy.salt}|{school.code}|{grade}|{code}".encode()
                        ).hexdigest()
                        if exam
                        else ""
                    )
                    rows.append(
                        (
                            procedure.pk,
                            school.region_id,
                            school.municipality_id,
                            school.pk,
                            batch.pk,
                            cls,
                            person[:20] if exam else code,
                            variant,
                            scores,
                            primary,
                            None if test_scale else value,
                            value if test_scale else None,
                            None,
                            False,
                            None if exam else journal,
                            sex,
                            person,
                            "",
                            "",
                            "",
                            f"{school.code[-4:]}" if exam else "",
                            str(1 + int(code) % 8) if exam else "",
                            answers if exam else "",
                        )
                    )
            assert all(len(r) == len(RESULT_COLUMNS) for r in rows[:1])
            result_partition_ensure(year=procedure.year)
            results_write(rows, batch_id=batch.pk, procedure_id=procedure.pk, year=procedure.year)
            batch.counts = {"rows": len(rows), "schools": len(eligible), "absent": 0, "replaced": 0}
            batch.save(update_fields=["counts"])
            total += len(rows)
    return {"procedures": procedures, "results": total, "inflated_schools": len(inflated)}


def build_demo_checks() -> dict:
    """Run the objectivity checks over every demo region for each demo year (the
    earlier years first, so persistence reads stored runs), replacing earlier
    demo runs, and load a demonstration list in the official format for the
    middle year: the schools the check flagged, one more the list names and the
    check does not, so the comparison has something to show."""
    import io

    import openpyxl
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from assessments.objectivity.models import CheckRun, CheckSchool, OfficialList
    from assessments.objectivity.services.official import official_list_import
    from assessments.objectivity.services.runs import check_run_request
    from schools.models import Region

    regions = Region.objects.filter(pk__in={s.region_id for s in _demo_schools()})
    CheckRun.objects.filter(region__in=regions).delete()
    OfficialList.objects.filter(region__in=regions).delete()
    runs = 0
    for region in regions.order_by("code"):
        for year in YEARS:
            run = check_run_request(user=None, year=year, region=region, queue=False)
            runs += run.status == CheckRun.Status.DONE
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    # The list goes to the region with the most schools (the demo's own users sit there).
    region = regions.annotate(n=Count("schools")).order_by("-n", "code").first()
    year = YEARS[1]
    run = CheckRun.objects.filter(region=region, year=year, status=CheckRun.Status.DONE).first()
    if admin is None or run is None:
        return {"runs": runs, "lists": 0}
    labels = run.counts.get("labels") or []
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Перечень"
    sheet.append(["Год", "Логин", "Муниципалитет", "ОО", *labels, "Количество маркеров"])
    rows = list(
        CheckSchool.objects.filter(run=run, markers__gt=0).select_related("school", "municipality")
    )
    extra = (
        CheckSchool.objects.filter(run=run, markers=0)
        .exclude(school__fis_login="")
        .select_related("school", "municipality")
        .order_by("school__short_name")
        .first()
    )
    for row in rows + ([extra] if extra else []):
        markers = row.marker_labels if row.markers else labels[:1]
        if not row.school.fis_login:
            continue
        sheet.append(
            [
                year,
                row.school.fis_login,
                row.municipality.name,
                row.school.full_name or row.school.short_name,
                *[1 if label in markers else None for label in labels],
                len(markers),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    official_list_import(
        source=buffer, filename=f"демо-перечень-{year}.xlsx", region=region, by=admin
    )
    return {"runs": runs, "lists": 1}
