# ruff: noqa: S608 (SQL here is built from ids this script generated, never from input)
"""`build`: the database of a generated country (regions of log-normal sizes, three
years of ВПР, one import batch per region and test), results written with COPY."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field

import numpy as np

from bench.large.common import (
    PASSWORD,
    PUPILS_PER_SCHOOL,
    REGIONS,
    SCALE,
    TASK_MAX,
    TASK_NUMBERS,
    TESTS,
    YEARS,
    django_setup,
)


@dataclass
class Country:
    """The generated country: sizes of each region and the ids written."""

    shares: np.ndarray  # share of the pupils per region, largest first
    rows_per_test: list[int]  # pupils of a region in one test
    schools: dict[int, list[tuple[int, int]]] = field(
        default_factory=dict
    )  # region → (school, muni)
    region_ids: list[int] = field(default_factory=list)


def plan_country(rows: int) -> Country:
    rng = np.random.default_rng(2026)
    shares = np.sort(rng.lognormal(0.0, 1.0, REGIONS))[::-1]
    shares = shares / shares.sum()
    per_test = rows / len(YEARS) / len(TESTS)
    return Country(shares=shares, rows_per_test=[max(200, round(per_test * s)) for s in shares])


def build(name: str, rows: int) -> None:
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    django_setup(name)
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    country = plan_country(rows)
    started = time.perf_counter()
    with transaction.atomic():
        procedures, batches = build_world(country)
    print(f"world: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    written = copy_results(country, procedures, batches)
    elapsed = time.perf_counter() - started
    print(f"results: {written:,} rows by COPY in {elapsed:.0f} s ({written / elapsed:,.0f} rows/s)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) assessments_result")
        cursor.execute("ANALYZE")
    print(f"vacuum analyze: {time.perf_counter() - started:.0f} s")
    create_users(country)


def build_world(country: Country):
    """Regions, municipalities, schools, procedures with tasks, federal scales, one
    import batch per region and test. Returns {(year, grade, subject, region_id):
    procedure_id} and {procedure_id: batch_id}."""
    from assessments.results.models import ImportBatch, Procedure, Scale, Task
    from schools.models import Municipality, Region, School

    # The directory ships the federation's subjects: take their rows, add the codes it lacks.
    codes = [f"{i + 1:02d}" for i in range(REGIONS)]
    have = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    Region.objects.bulk_create(Region(code=c, name=f"Регион {c}") for c in codes if c not in have)
    regions = list(Region.objects.filter(code__in=codes).order_by("code"))
    country.region_ids = [r.pk for r in regions]
    municipalities, schools = [], []
    for region, per_test in zip(regions, country.rows_per_test, strict=True):
        school_count = max(4, round(per_test / PUPILS_PER_SCHOOL))
        muni_count = max(2, round(school_count / 25))
        munis = [
            Municipality(region=region, code=f"{region.code}{m:03d}", name=f"Район {m}")
            for m in range(muni_count)
        ]
        municipalities += munis
        schools += [
            School(
                region=region,
                municipality=munis[k % muni_count],
                code=f"{region.code}{k:04d}",
                fis_login=f"edu{region.code}{k:04d}",
                full_name=f"Школа №{k + 1}",
                short_name=f"Школа №{k + 1}",
            )
            for k in range(school_count)
        ]
    # bulk_create needs the municipalities' ids before the schools that point at them.
    Municipality.objects.bulk_create(municipalities, batch_size=2000)
    for s in schools:
        s.municipality_id = s.municipality.pk
    School.objects.bulk_create(schools, batch_size=2000)
    for s in schools:
        country.schools.setdefault(s.region_id, []).append((s.pk, s.municipality_id))
    procedures = Procedure.objects.bulk_create(
        [
            Procedure(
                region=region,
                instrument="vpr",
                subject=subject,
                grade=grade,
                year=year,
                season="spring",
                max_score=sum(TASK_MAX),
            )
            for year in YEARS
            for grade, subject in TESTS
            for region in regions
        ],
        batch_size=2000,
    )
    Task.objects.bulk_create(
        [
            Task(procedure=p, position=i + 1, number=number, max_score=maximum, level="Б")
            for p in procedures
            for i, (number, maximum) in enumerate(zip(TASK_NUMBERS, TASK_MAX, strict=True))
        ],
        batch_size=5000,
    )
    Scale.objects.bulk_create(
        Scale(
            region=None,
            instrument="vpr",
            year=year,
            grade=grade,
            subject=subject,
            kind="mark",
            max_score=sum(TASK_MAX),
            ranges=SCALE,
        )
        for year in YEARS
        for grade, subject in TESTS
    )
    batches = ImportBatch.objects.bulk_create(
        [
            ImportBatch(
                region_id=p.region_id,
                file_name=f"vpr-{p.year}-{p.grade}-{p.subject}-{p.region_id}.xlsx",
                sha256=f"{p.pk:064d}",
                format="xlsx",
                procedure=p,
                status="done",
                progress=100,
            )
            for p in procedures
        ],
        batch_size=2000,
    )
    by_key = {(p.year, p.grade, p.subject, p.region_id): p.pk for p in procedures}
    return by_key, {b.procedure_id: b.pk for b in batches}


def _score_strings(scores: np.ndarray) -> list[str]:
    """Array literals of the scores (-1 = not attempted → NULL), row by row, as the
    import writes them (`smallint[]`, migration assessments.0011)."""
    tokens = ["NULL", "0", "1", "2"]
    return ["{" + ",".join([tokens[v + 1] for v in row]) + "}" for row in scores.tolist()]


def pupil_block(rng, n_rows: int, schools: list[tuple[int, int]], grade: int):
    """The generated pupils of one region in one test, as column arrays."""
    school_index = np.sort(rng.integers(0, len(schools), n_rows))
    ability = rng.beta(2.2, 1.8, n_rows)
    scores = np.stack([rng.binomial(m, ability) for m in TASK_MAX], axis=1).astype(np.int8)
    skipped = rng.random(scores.shape) < 0.03
    scores[skipped] = -1
    primary = np.where(scores > 0, scores, 0).sum(axis=1)
    mark = np.select([primary <= 6, primary <= 11, primary <= 16], [2, 3, 4], 5)
    journal = np.clip(mark + rng.choice([-1, 0, 0, 0, 1], n_rows), 2, 5)
    # Position of each pupil within the school: codes and classes of 25.
    starts = np.searchsorted(school_index, school_index, side="left")
    position = np.arange(n_rows) - starts
    return school_index, scores, primary, mark, journal, position


def copy_results(country: Country, procedures: dict, batches: dict) -> int:
    from django.db import connection

    from assessments.results.services.partitions import result_partition_ensure
    from assessments.results.services.rows import RESULT_COLUMNS

    for year in YEARS:
        result_partition_ensure(year=year)
    rng = np.random.default_rng(7)
    letters = "абвгдежзиклмн"
    sql = f"COPY assessments_result ({', '.join(RESULT_COLUMNS)}, year) FROM STDIN"
    written = 0
    empty_tail = "\t\t\t\t\t\t\t"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for year in YEARS:
            for grade, subject in TESTS:
                lines = []
                for r, region_id in enumerate(country.region_ids):
                    procedure_id = procedures[(year, grade, subject, region_id)]
                    batch = batches[procedure_id]
                    schools = country.schools[region_id]
                    n = country.rows_per_test[r]
                    school_index, scores, primary, mark, journal, position = pupil_block(
                        rng, n, schools, grade
                    )
                    score_text = _score_strings(scores)
                    sexes = rng.integers(0, 2, n)
                    for i in range(n):
                        school_id, muni_id = schools[school_index[i]]
                        k = position[i]
                        lines.append(
                            f"{procedure_id}\t{region_id}\t{muni_id}\t{school_id}\t{batch}"
                            f"\t{grade}{letters[min(k // 25, 12)]}\t{10001 + k}\t{1 + k % 2}"
                            f"\t{score_text[i]}\t{primary[i]}\t{mark[i]}\t\\N\t\\N\tf"
                            f"\t{journal[i]}\t{'мж'[sexes[i]]}{empty_tail}\t{year}\n"
                        )
                    if len(lines) > 200_000:
                        copy.write("".join(lines))
                        written += len(lines)
                        lines = []
                copy.write("".join(lines))
                written += len(lines)
                print(f"  {year} {grade} {subject}: {written:,} rows", flush=True)
    return written


def create_users(country: Country) -> None:
    """The people whose requests are timed: the analysts of the largest and of the
    median region, an official of the largest municipality of the largest region, a
    deputy of a school there."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from schools.models import Membership, Role, School

    User = get_user_model()
    password = make_password(PASSWORD)
    big, median = country.region_ids[0], country.region_ids[REGIONS // 2]
    school = School.objects.filter(region_id=big).order_by("pk").first()
    people = [
        ("analyst_big", Role.REGIONAL_ANALYST, {"region_id": big}),
        ("analyst_median", Role.REGIONAL_ANALYST, {"region_id": median}),
        (
            "official_big",
            Role.MUNICIPAL_OFFICIAL,
            {"region_id": big, "municipality_id": school.municipality_id},
        ),
        (
            "deputy_big",
            Role.SCHOOL_DEPUTY,
            {"region_id": big, "municipality_id": school.municipality_id, "school_id": school.pk},
        ),
    ]
    for username, role, where in people:
        user = User.objects.create(username=username, password=password)
        Membership.objects.create(user=user, role=role, **where)
    print(f"users: {', '.join(u for u, _r, _w in people)} (password {PASSWORD})")
