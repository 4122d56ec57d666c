"""A generated region (tests.generators.first) written into the database as
a real region would be after its imports: municipalities, schools with ФИС ОКО
logins, ВПР procedures with tasks and the region's scales, and every pupil's
result. The tests and benchmarks of the stored checks run on it, so the path
from the database to the flags is the one production takes.

State exams and ВПР with objectivity control are written as pupil rows around
the generated school means (the method reads school means of them).
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from assessments.objectivity.checks import data as cd
from assessments.results.models import Instrument, Procedure, Scale, Subject, Task
from assessments.results.services.partitions import result_partition_ensure
from assessments.results.services.rows import RESULT_COLUMNS, results_write
from schools.models import Municipality, Region, School
from tests.generators.first import GeneratedRegion

SUBJECTS = {"Русский язык": Subject.RUSSIAN, "Математика": Subject.MATH}
KINDS = {
    cd.KIND_GYMNASIUM: (School.Kind.GYMNASIUM, School.Locality.URBAN),
    cd.KIND_LYCEUM: (School.Kind.LYCEUM, School.Locality.URBAN),
    cd.KIND_RURAL_SMALL: (School.Kind.BASIC, School.Locality.RURAL),
    cd.KIND_ORDINARY: (School.Kind.SECONDARY, School.Locality.URBAN),
}


def login_of(region_code: str, row: int) -> str:
    return f"edu{region_code}{row + 1:04d}"


@transaction.atomic
def generated_region_store(
    generated: GeneratedRegion, *, code: str = "90", name: str = ""
) -> Region:
    """Write `generated` as region `code`: the directory's row for the code (the
    federation's subjects ship with the product), renamed when `name` is given, or a
    new one; it must hold no municipalities yet. Returns it."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        region = Region.objects.create(code=code, name=name or f"Сгенерированный регион {code}")
    elif region.municipalities.exists():
        raise ValueError(f"Region {code} already holds municipalities.")
    elif name:
        region.name = name
        region.save(update_fields=["name"])
    table = generated.data.schools
    municipalities = {
        int(m): Municipality.objects.create(
            region=region, code=f"{code}{int(m):03d}", name=f"Муниципалитет {int(m) + 1}"
        )
        for m in sorted(set(np.asarray(table.municipality).tolist()))
    }
    schools = []
    for row in range(len(table)):
        kind, locality = KINDS.get(str(table.kind[row]), KINDS[cd.KIND_ORDINARY])
        schools.append(
            School(
                region=region,
                municipality=municipalities[int(table.municipality[row])],
                code=f"{code}{row + 1:05d}",
                fis_login=login_of(code, row),
                full_name=f"{table.names[row]} (школа {row + 1})",
                short_name=f"Школа {row + 1}",
                kind=kind,
                locality=locality,
            )
        )
    School.objects.bulk_create(schools, batch_size=2000)
    if any(s.pk is None for s in schools):
        by_code = dict(School.objects.filter(region=region).values_list("code", "pk"))
        for s in schools:
            s.pk = by_code[s.code]
    for res in generated.data.results:
        _store_procedure(region, schools, res)
    for external in generated.data.external:
        _store_external(region, schools, external)
    return region


def _scale_ranges(boundaries, max_score) -> list[list[int]]:
    lows = [0, *boundaries]
    highs = [b - 1 for b in boundaries] + [max_score]
    return [[lo, hi, mark] for lo, hi, mark in zip(lows, highs, (2, 3, 4, 5), strict=True)]


def _store_procedure(region, schools, res: cd.ProcedureResults) -> None:
    p = res.procedure
    subject = SUBJECTS.get(p.subject, Subject.OTHER)
    procedure = Procedure.objects.create(
        region=region,
        instrument=Instrument.VPR,
        subject=subject,
        grade=p.grade,
        year=p.year,
        max_score=res.max_score,
    )
    Task.objects.bulk_create(
        [
            Task(
                procedure=procedure,
                position=j + 1,
                number=str(j + 1),
                max_score=int(res.task_max[j]),
                level=str(res.task_level[j]),
            )
            for j in range(len(res.task_max))
        ]
    )
    Scale.objects.update_or_create(
        region=region,
        instrument=Instrument.VPR,
        year=p.year,
        grade=p.grade,
        subject=subject,
        defaults={
            "max_score": res.max_score,
            "ranges": _scale_ranges(res.boundaries, res.max_score),
        },
    )
    scores = res.scores.tolist()
    rows = []
    counter = {}
    for i in range(len(res)):
        school = schools[int(res.school[i])]
        counter[school.pk] = counter.get(school.pk, 0) + 1
        rows.append(
            _row(
                procedure,
                school,
                class_name=f"{p.grade}-{int(res.class_id[i]) % 1000}",
                code=f"{counter[school.pk]:05d}",
                scores=[None if s < 0 else s for s in scores[i]],
                primary=int(res.primary[i]),
                mark=int(res.mark[i]),
                journal=int(res.journal[i]) or None,
            )
        )
    result_partition_ensure(year=procedure.year)
    results_write(rows, batch_id=None, procedure_id=procedure.pk, year=procedure.year)


def _row(procedure, school, *, class_name, code, scores, primary, mark, journal, test_score=None):
    values = {
        "procedure_id": procedure.pk,
        "region_id": school.region_id,
        "municipality_id": school.municipality_id,
        "school_id": school.pk,
        "import_batch_id": None,
        "class_name": class_name,
        "participant_code": code,
        "variant": "",
        "scores": scores,
        "primary_score": primary,
        "mark": mark,
        "test_score": test_score,
        "file_mark": None,
        "mark_mismatch": False,
        "journal_mark": journal,
        "sex": "",
        "person_hash": "",
        "last_name": "",
        "first_name": "",
        "patronymic": "",
        "exam_point": "",
        "room": "",
        "answers": "",
    }
    return tuple(values[c] for c in RESULT_COLUMNS)


def _store_external(region, schools, external: cd.ExternalResult) -> None:
    """Pupil rows whose marks average the school's generated mean (to 1/n)."""
    if external.kind == cd.EXTERNAL_OGE:
        instrument, grade = Instrument.OGE, 9
    elif external.kind == cd.EXTERNAL_OBJECTIVE_VPR:
        instrument, grade = Instrument.VPR_CONTROLLED, int(external.grade or 4)
    else:
        return
    subject = SUBJECTS.get(external.subject, Subject.MATH)
    procedure, _ = Procedure.objects.get_or_create(
        region=region,
        instrument=instrument,
        subject=subject,
        grade=grade,
        year=external.year,
    )
    rows = []
    for k in range(len(external.school)):
        school = schools[int(external.school[k])]
        n = int(external.n[k])
        total = round(float(external.mean[k]) * n)
        base, extra = divmod(total, n) if n else (0, 0)
        for i in range(n):
            mark = int(min(5, max(2, base + (1 if i < extra else 0))))
            rows.append(
                _row(
                    procedure,
                    school,
                    class_name="",
                    code=f"e{i + 1:05d}",
                    scores=[],
                    primary=0,
                    mark=mark,
                    journal=None,
                )
            )
    if rows:
        result_partition_ensure(year=procedure.year)
        results_write(rows, batch_id=None, procedure_id=procedure.pk, year=procedure.year)
