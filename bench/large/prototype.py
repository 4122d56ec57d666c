# ruff: noqa: S608 (SQL here is built from ids this script generated, never from input)
"""`prototype`: proto_result, partitioned by year with region-led keys and scores as
smallint[], built beside today's table; the same reads as SQL and the writes, timed."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from bench.large.common import RESULTS, YEARS, database_url
from bench.large.report import Figure, slug, write_report

PROTO_COLUMNS = """
    id bigint NOT NULL,
    region_id bigint NOT NULL,
    year smallint NOT NULL,
    procedure_id bigint NOT NULL,
    municipality_id bigint NOT NULL,
    school_id bigint NOT NULL,
    import_batch_id bigint,
    class_name varchar(20) NOT NULL,
    participant_code varchar(64) NOT NULL,
    variant varchar(20) NOT NULL,
    scores {scores} NOT NULL,
    primary_score smallint NOT NULL CHECK (primary_score >= 0),
    mark smallint CHECK (mark >= 0),
    test_score smallint CHECK (test_score >= 0),
    file_mark smallint CHECK (file_mark >= 0),
    mark_mismatch boolean NOT NULL,
    journal_mark smallint CHECK (journal_mark >= 0),
    sex varchar(1) NOT NULL,
    person_hash varchar(64) NOT NULL,
    last_name varchar(100) NOT NULL,
    first_name varchar(100) NOT NULL,
    patronymic varchar(100) NOT NULL,
    exam_point varchar(20) NOT NULL,
    room varchar(20) NOT NULL,
    answers varchar(200) NOT NULL
"""
PROTO_NAMES = [line.split()[0] for line in PROTO_COLUMNS.strip().splitlines() if line.strip()]
# Every index leads with the region (Citus: distributed by region; on one server:
# each region's rows of a year are one contiguous range of every index), and every
# unique carries the region and the year (the partition key).
# The primary key is also the order of the API's cursor, (procedure, id): a
# procedure's rows are one range of it, so a page, a procedure's read for the
# analytic tables or the check, and a count of its rows are each one index range.
PRIMARY_KEY = "(region_id, procedure_id, id, year)"
PROTO_INDEXES = [
    f"ALTER TABLE proto_result ADD PRIMARY KEY {PRIMARY_KEY}",
    "CREATE UNIQUE INDEX proto_result_participant ON proto_result "
    "(region_id, school_id, procedure_id, participant_code, year)",
    "CREATE INDEX proto_result_batch ON proto_result (region_id, import_batch_id)",
    # Lookups by id alone (the admin, a superuser): ids grow with the rows' order.
    "CREATE INDEX proto_result_id ON proto_result USING brin (id) WITH (pages_per_range = 16)",
]
ORDER = "ORDER BY r.procedure_id, r.id"
SCORES_AS_ARRAY = "translate(r.scores::text, '[]', '{}')::smallint[]"


def sql_ms(cursor, sql: str, params=(), *, runs: int = 3) -> float:
    """Median ms of a statement after a warm-up."""
    cursor.execute(sql, params)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        cursor.execute(sql, params)
        if cursor.description:
            cursor.fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def copy_out(cursor, sql: str) -> bytes:
    data = bytearray()
    with cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:
        while chunk := copy.read():
            data += chunk
    return bytes(data)


def copy_in(cursor, table: str, columns: list[str], data: bytes) -> float:
    started = time.perf_counter()
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        view = memoryview(data)
        for start in range(0, len(view), 8 << 20):
            copy.write(view[start : start + (8 << 20)])
    return time.perf_counter() - started


def relation_mb(cursor, name: str) -> float:
    cursor.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "WHERE c.relname = %s OR c.oid IN (SELECT inhrelid FROM pg_inherits i "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s)",
        (name, name),
    )
    return cursor.fetchone()[0] / 2**20


def proto_build(conn, log) -> None:
    """proto_result: partitions by year, rows moved from today's table, indexes."""
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS proto_result CASCADE")
    cur.execute(
        f"CREATE TABLE proto_result ({PROTO_COLUMNS.format(scores='smallint[]')}) "
        "PARTITION BY LIST (year)"
    )
    for year in (*YEARS, 2026):
        cur.execute(
            f"CREATE TABLE proto_result_{year} PARTITION OF proto_result FOR VALUES IN ({year})"
        )
    started = time.perf_counter()
    names = ", ".join(PROTO_NAMES)
    selected = ", ".join(
        "p.year" if n == "year" else SCORES_AS_ARRAY if n == "scores" else f"r.{n}"
        for n in PROTO_NAMES
    )
    cur.execute(
        f"INSERT INTO proto_result ({names}) SELECT {selected} FROM assessments_result r "
        "JOIN assessments_procedure p ON p.id = r.procedure_id"
    )
    moved = cur.rowcount
    conn.commit()
    log(f"data move into the partitions: {moved:,} rows in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    for statement in PROTO_INDEXES:
        step = time.perf_counter()
        cur.execute(statement)
        conn.commit()
        log(f"  {statement[:90]}: {time.perf_counter() - step:.0f} s")
    log(f"indexes: {time.perf_counter() - started:.0f} s")
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM (ANALYZE) proto_result")
    conn.autocommit = False
    log(
        f"proto_result {relation_mb(cur, 'proto_result'):,.0f} MB with indexes; "
        f"assessments_result {relation_mb(cur, 'assessments_result'):,.0f} MB"
    )


def proto_vacuum(conn) -> None:
    """Dead rows left by the rolled-back writes of a run would slow the next reads."""
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE) proto_result")
    conn.autocommit = False


def proto_reads(conn, ids: dict, out: Path, log) -> list[Figure]:
    """The reads of the API, pages, check and import on the prototype, as the
    phase-2 code would send them: the region always named, the year whenever the
    code knows it (a procedure's year is on the procedure)."""
    proto_vacuum(conn)
    cur = conn.cursor()
    R, P, S, M, B, Y = (
        ids[k] for k in ("region", "procedure", "school", "municipality", "batch", "year")
    )
    cols = ", ".join(
        f"r.{c}" for c in ("id", "procedure_id", "school_id", "municipality_id", "class_name",
                           "participant_code", "variant", "scores", "primary_score", "mark",
                           "test_score", "file_mark", "mark_mismatch", "journal_mark", "sex")
    )  # fmt: skip
    page = f"SELECT {cols} FROM proto_result r WHERE r.region_id = {R}"
    cur.execute(
        f"SELECT procedure_id, id FROM proto_result r WHERE region_id = {R} AND year = {Y} "
        f"{ORDER} OFFSET 100 LIMIT 1"
    )
    after = cur.fetchone()
    procedures_of_year = f"SELECT id FROM assessments_procedure WHERE region_id = {R} AND year BETWEEN {Y - 2} AND {Y + 1}"
    cur.execute(procedures_of_year)
    check_procedures = [row[0] for row in cur.fetchall()]
    cur.execute(
        f"SELECT DISTINCT school_id FROM proto_result WHERE region_id = {R} AND year = {Y} "
        f"AND procedure_id = {P}"
    )
    region_schools = ",".join(str(row[0]) for row in cur.fetchall())
    cur.execute(
        "SELECT id, year FROM assessments_procedure WHERE region_id = %s AND grade = 5 "
        "AND subject = 'math' AND year < %s",
        (R, Y),
    )
    earlier = cur.fetchall()
    M_median = ids["median_region"]
    statements = [
        ("API analyst: first page", f"{page} {ORDER} LIMIT 101"),
        ("API analyst: year=2025", f"{page} AND r.year = {Y} {ORDER} LIMIT 101"),
        (
            "API analyst: year=2025, next page",
            f"{page} AND r.year = {Y} AND (r.procedure_id, r.id) > ({after[0]}, {after[1]}) "
            f"{ORDER} LIMIT 101",
        ),
        ("API analyst: class_name=5а", f"{page} AND r.class_name = '5а' {ORDER} LIMIT 101"),
        (
            "API analyst: procedure",
            f"{page} AND r.year = {Y} AND r.procedure_id = {P} {ORDER} LIMIT 101",
        ),
        ("API analyst: school", f"{page} AND r.school_id = {S} {ORDER} LIMIT 101"),
        (
            "API analyst: school and class_name",
            f"{page} AND r.school_id = {S} AND r.class_name = '5а' {ORDER} LIMIT 101",
        ),
        (
            "API analyst: procedure, its year not named",
            f"{page} AND r.procedure_id = {P} {ORDER} LIMIT 101",
        ),
        (
            "API analyst: municipality",
            f"{page} AND r.municipality_id = {M} {ORDER} LIMIT 101",
        ),
        ("API analyst: mark=2", f"{page} AND r.mark = 2 {ORDER} LIMIT 101"),
        (
            "API analyst: year, subject, grade",
            f"{page} AND r.year = {Y} AND r.procedure_id IN (SELECT id FROM assessments_procedure "
            f"WHERE region_id = {R} AND year = {Y} AND subject = 'math' AND grade = 5) "
            f"{ORDER} LIMIT 101",
        ),
        ("API analyst: one result", f"{page} AND r.id = {ids['result']}"),
        (
            "one result by id alone (admin)",
            f"SELECT {cols} FROM proto_result r WHERE r.id = {ids['result']}",
        ),
        (
            "API analyst: export school × procedure (CSV)",
            f"{page} AND r.year = {Y} AND r.school_id = {S} AND r.procedure_id = {P} ORDER BY r.id",
        ),
        (
            "API median region analyst: year=2025",
            f"SELECT {cols} FROM proto_result r WHERE r.region_id = {M_median} AND r.year = {Y} "
            f"{ORDER} LIMIT 101",
        ),
        (
            "API official: year=2025",
            f"{page} AND r.municipality_id = {M} AND r.year = {Y} {ORDER} LIMIT 101",
        ),
        ("API deputy: first page", f"{page} AND r.school_id = {S} {ORDER} LIMIT 101"),
        (
            "API deputy: procedure",
            f"{page} AND r.school_id = {S} AND r.year = {Y} AND r.procedure_id = {P} "
            f"{ORDER} LIMIT 101",
        ),
        (
            "rows of an import batch (count)",
            f"SELECT count(*) FROM proto_result WHERE region_id = {R} AND import_batch_id = {B}",
        ),
        (
            "check: stamps of the region's procedures",
            "SELECT procedure_id, count(id), max(import_batch_id) FROM proto_result "
            f"WHERE region_id = {R} AND year BETWEEN {Y - 2} AND {Y + 1} "
            f"AND procedure_id IN ({', '.join(map(str, check_procedures))}) GROUP BY procedure_id",
        ),
        (
            "check: stamps, count and max id (index only)",
            "SELECT procedure_id, count(id), max(id) FROM proto_result "
            f"WHERE region_id = {R} AND year BETWEEN {Y - 2} AND {Y + 1} "
            f"AND procedure_id IN ({', '.join(map(str, check_procedures))}) GROUP BY procedure_id",
        ),
        (
            "page: procedure (analyst)",
            "SELECT r.school_id, s.short_name, s.code, count(r.id), avg(r.primary_score), "
            + ", ".join(f"count(r.id) FILTER (WHERE r.mark = {k})" for k in (2, 3, 4, 5))
            + f" FROM proto_result r JOIN schools_school s ON s.id = r.school_id "
            f"WHERE r.region_id = {R} AND r.year = {Y} AND r.procedure_id = {P} "
            "GROUP BY r.school_id, s.short_name, s.code ORDER BY s.short_name",
        ),
        (
            "page: school's results in a procedure (deputy)",
            f"{page} AND r.school_id = {S} AND r.year = {Y} AND r.procedure_id = {P} "
            "ORDER BY r.class_name, r.participant_code LIMIT 100",
        ),
        (
            "analytic page: fingerprint of the region's rows",
            f"SELECT count(id), min(id), max(id) FROM proto_result WHERE region_id = {R} "
            f"AND year = {Y} AND procedure_id = {P}",
        ),
        (
            "analytic page: the region's rows (COPY)",
            f"COPY (SELECT scores, primary_score, mark, journal_mark FROM proto_result "
            f"WHERE region_id = {R} AND year = {Y} AND procedure_id = {P}) TO STDOUT",
        ),
        (
            "analytic page: a municipality's rows (COPY)",
            f"COPY (SELECT scores, primary_score, mark, journal_mark FROM proto_result "
            f"WHERE region_id = {R} AND year = {Y} AND procedure_id = {P} "
            f"AND municipality_id = {M}) TO STDOUT",
        ),
        (
            "analytic page: dynamics, earlier years (grouped counts)",
            " UNION ALL ".join(
                f"(SELECT {e}, mark, primary_score, count(id) FROM proto_result WHERE region_id = {R} "
                f"AND year = {year} AND procedure_id = {e} GROUP BY mark, primary_score)"
                for e, year in earlier
            ),
        ),
        (
            "page: procedure, grouped by school id, then named",
            "SELECT g.*, s.short_name, s.code FROM (SELECT school_id, count(id), "
            "avg(primary_score), "
            + ", ".join(f"count(id) FILTER (WHERE mark = {k})" for k in (2, 3, 4, 5))
            + f" FROM proto_result WHERE region_id = {R} AND year = {Y} AND procedure_id = {P} "
            "GROUP BY school_id) g JOIN schools_school s ON s.id = g.school_id "
            "ORDER BY s.short_name",
        ),
        # Writes last (rolled back, but they leave dead rows behind).
        (
            "batch deleted: its rows' batch set to NULL",
            f"UPDATE proto_result SET import_batch_id = NULL WHERE region_id = {R} "
            f"AND year = {Y} AND import_batch_id = {B}",
        ),
        (
            "re-import of a region's file: old rows deleted",
            f"DELETE FROM proto_result WHERE region_id = {R} AND year = {Y} "
            f"AND procedure_id = {P} AND school_id IN ({region_schools})",
        ),
    ]
    figures = []
    out.mkdir(parents=True, exist_ok=True)
    for label, sql in statements:
        if sql.startswith("COPY"):
            started = time.perf_counter()
            data = copy_out(cur, sql[len("COPY (") : -len(") TO STDOUT")])
            ms = (time.perf_counter() - started) * 1000
            note = f"{len(data) / 2**20:.1f} MB"
        elif sql.startswith(("UPDATE", "DELETE")):
            times = []
            for _ in range(3):
                started = time.perf_counter()
                cur.execute(sql)
                times.append(time.perf_counter() - started)
                conn.rollback()
            ms, note = statistics.median(times) * 1000, "rolled back"
        else:
            ms, note = sql_ms(cur, sql), ""
        inner = sql[len("COPY (") : -len(") TO STDOUT")] if sql.startswith("COPY") else sql
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {inner}")
        plan = "\n".join(row[0] for row in cur.fetchall())
        conn.rollback()
        (out / f"{slug(label)}.txt").write_text(f"# {label}\n# {ms:.2f} ms\n\n{sql}\n\n{plan}\n")
        figures.append(Figure(label, round(ms, 2), 1, [{"sql": sql, "ms": round(ms, 2)}], note))
        log(f"  {label:<58} {ms:>9.2f} ms {note}")
    # The check's read of a region's year: every ВПР of the years it compares,
    # the columns the method reads, by COPY (as assessments/objectivity/loading.py).
    started = time.perf_counter()
    size = 0
    for procedure_id in check_procedures:
        cur.execute("SELECT year FROM assessments_procedure WHERE id = %s", (procedure_id,))
        year = cur.fetchone()[0]
        size += len(
            copy_out(
                cur,
                "SELECT scores, primary_score, coalesce(file_mark, mark), journal_mark, school_id, "
                "abs(hashtext(class_name)) % 100000000 FROM proto_result "
                f"WHERE region_id = {R} AND year = {year} AND procedure_id = {procedure_id}",
            )
        )
    ms = (time.perf_counter() - started) * 1000
    figures.append(
        Figure("check: read of the region's year (COPY, SQL only)", round(ms, 1),
               len(check_procedures), [], f"{size / 2**20:.1f} MB")
    )  # fmt: skip
    log(
        f"  check: read of the region's year (COPY, SQL only)   {ms:>9.1f} ms, {size / 2**20:.1f} MB"
    )
    return figures


def proto_writes(conn, ids: dict, log) -> list[str]:
    """COPY of a region's file into the partitioned table (directly, through a staging
    table), into today's table, a year into an empty partition; scores as smallint[]
    against jsonb. Every write is rolled back."""
    cur = conn.cursor()
    lines = []
    R, Y = ids["region"], ids["year"]
    n = 200_000
    names = list(PROTO_NAMES)
    # A region's file: 200,000 rows of the largest region's year, as new pupils.
    source = (
        f"SELECT id + 1000000000, region_id, year, procedure_id, municipality_id, school_id, "
        f"import_batch_id, class_name, participant_code || '-n', {', '.join(PROTO_NAMES[9:])} "
        f"FROM proto_result WHERE region_id = {R} AND year = {Y} ORDER BY id LIMIT {n}"
    )
    data = copy_out(cur, source)
    rows = data.count(b"\n")

    def timed(label, action):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
            conn.rollback()
        seconds = statistics.median(times)
        text = f"{label:<66} {seconds:7.2f} s {rows / seconds:>11,.0f} rows/s"
        log(text)
        lines.append(text)

    timed(
        f"COPY {rows:,} rows into the partitioned table (routed by year)",
        lambda: copy_in(cur, "proto_result", names, data),
    )
    timed(
        f"COPY {rows:,} rows straight into the year's partition",
        lambda: copy_in(cur, f"proto_result_{Y}", names, data),
    )

    def staged():
        cur.execute(
            f"CREATE TEMP TABLE staging ({PROTO_COLUMNS.format(scores='smallint[]')}) "
            "ON COMMIT DROP"
        )
        copy_in(cur, "staging", names, data)
        cur.execute(f"INSERT INTO proto_result ({', '.join(names)}) SELECT * FROM staging")

    timed(f"COPY {rows:,} rows into a staging table, then INSERT … SELECT", staged)
    old_data = copy_out(
        cur,
        f"SELECT id + 1000000000, procedure_id, region_id, municipality_id, school_id, "
        f"import_batch_id, class_name, participant_code || '-n', variant, "
        f"array_to_json(scores)::jsonb, {', '.join(PROTO_NAMES[11:])} FROM proto_result "
        f"WHERE region_id = {R} AND year = {Y} ORDER BY id LIMIT {n}",
    )
    old_columns = ["id", "procedure_id", "region_id", "municipality_id", "school_id",
                   "import_batch_id", "class_name", "participant_code", "variant", "scores",
                   *PROTO_NAMES[11:]]  # fmt: skip
    timed(
        f"COPY {rows:,} rows into today's table (jsonb scores, 3 indexes)",
        lambda: copy_in(cur, "assessments_result", old_columns, old_data),
    )
    # A whole year into an empty partition: with its indexes, and loaded first then
    # indexed and attached.
    cur.execute(f"SELECT count(*) FROM proto_result WHERE year = {Y}")
    year_rows = cur.fetchone()[0]
    year_data = copy_out(
        cur,
        f"SELECT id + 2000000000, region_id, 2026, {', '.join(PROTO_NAMES[3:])} "
        f"FROM proto_result WHERE year = {Y}",
    )
    started = time.perf_counter()
    copy_in(cur, "proto_result_2026", names, year_data)
    seconds = time.perf_counter() - started
    conn.rollback()
    text = (
        f"COPY a year ({year_rows:,} rows) into its empty partition, indexed "
        f"{seconds:7.1f} s {year_rows / seconds:>11,.0f} rows/s"
    )
    log(text)
    lines.append(text)
    started = time.perf_counter()
    cur.execute(
        "CREATE TABLE proto_load (LIKE proto_result INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    copy_in(cur, "proto_load", names, year_data)
    loaded = time.perf_counter() - started
    cur.execute(f"ALTER TABLE proto_load ADD PRIMARY KEY {PRIMARY_KEY}")
    for statement in PROTO_INDEXES[1:]:
        cur.execute(
            statement.replace("ON proto_result", "ON proto_load").replace(
                "INDEX proto_result_", "INDEX proto_load_"
            )
        )
    cur.execute("ALTER TABLE proto_load ADD CHECK (year = 2026)")
    cur.execute("ALTER TABLE proto_result DETACH PARTITION proto_result_2026")
    cur.execute("ALTER TABLE proto_result ATTACH PARTITION proto_load FOR VALUES IN (2026)")
    seconds = time.perf_counter() - started
    conn.rollback()
    text = (
        f"the same year: COPY into a bare table {loaded:.1f} s, then indexes and ATTACH: "
        f"{seconds:.1f} s in all, {year_rows / seconds:,.0f} rows/s"
    )
    log(text)
    lines.append(text)
    # Scores: smallint[] against jsonb, a million rows of each, no indexes.
    sample = 1_000_000
    for kind, expression in (("smallint[]", "scores"), ("jsonb", "array_to_json(scores)::jsonb")):
        cur.execute("DROP TABLE IF EXISTS proto_scores")
        cur.execute(f"CREATE TABLE proto_scores ({PROTO_COLUMNS.format(scores=kind)})")
        conn.commit()
        payload = copy_out(
            cur,
            f"SELECT {', '.join(expression if c == 'scores' else c for c in PROTO_NAMES)} "
            f"FROM proto_result WHERE year = {Y} LIMIT {sample}",
        )
        times = []
        for _ in range(3):
            cur.execute("TRUNCATE proto_scores")
            conn.commit()
            started = time.perf_counter()
            copy_in(cur, "proto_scores", names, payload)
            conn.commit()
            times.append(time.perf_counter() - started)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM proto_scores")
        conn.autocommit = False
        mb = relation_mb(cur, "proto_scores")
        cur.execute("SELECT avg(pg_column_size(scores)) FROM proto_scores")
        column = cur.fetchone()[0]
        started = time.perf_counter()
        read = copy_out(cur, "SELECT scores, primary_score FROM proto_scores")
        read_s = time.perf_counter() - started
        copied = payload.count(b"\n")
        text = (
            f"scores as {kind:<10}: {mb:6.0f} MB for {copied:,} rows (the column {column:.0f} "
            f"bytes a row); COPY in {statistics.median(times):.2f} s "
            f"({copied / statistics.median(times):,.0f} rows/s); COPY out of scores "
            f"{read_s:.2f} s ({len(read) / 2**20:.0f} MB)"
        )
        log(text)
        lines.append(text)
    cur.execute("DROP TABLE IF EXISTS proto_scores")
    conn.commit()
    proto_vacuum(conn)
    return lines


def prototype(name: str, *, rebuild: bool) -> None:
    import psycopg

    out = RESULTS / "large" / "prototype"
    report: list[str] = []

    def log(text: str) -> None:
        print(text, flush=True)
        report.append(text)

    conn = psycopg.connect(database_url(name))
    cur = conn.cursor()
    cur.execute("SELECT to_regclass('proto_result') IS NOT NULL")
    if rebuild or not cur.fetchone()[0]:
        proto_build(conn, log)
        (out.parent / "prototype-build.txt").write_text("\n".join(report) + "\n")
    ids = proto_ids(conn)
    figures = proto_reads(conn, ids, out, log)
    report += proto_writes(conn, ids, log)
    write_report(
        RESULTS / "large-prototype.txt",
        f"proto_result (partitioned by year, region-led indexes, smallint[] scores), "
        f"{ids['rows']:,} rows; PostgreSQL {conn.info.server_version}",
        figures,
        report,
    )


def proto_ids(conn) -> dict:
    """The same people's objects as `before` reads: the largest region, its 2025
    maths of grade 5, the deputy's school, the official's municipality."""
    cur = conn.cursor()
    cur.execute(
        "SELECT m.region_id, m.municipality_id, m.school_id FROM schools_membership m "
        "JOIN auth_user u ON u.id = m.user_id WHERE u.username = 'deputy_big'"
    )
    region, municipality, school = cur.fetchone()
    cur.execute(
        "SELECT m.region_id FROM schools_membership m JOIN auth_user u ON u.id = m.user_id "
        "WHERE u.username = 'analyst_median'"
    )
    median = cur.fetchone()[0]
    cur.execute(
        "SELECT id FROM assessments_procedure WHERE region_id = %s AND year = 2025 AND grade = 5 "
        "AND subject = 'math'",
        (region,),
    )
    procedure = cur.fetchone()[0]
    cur.execute("SELECT id FROM assessments_importbatch WHERE procedure_id = %s", (procedure,))
    batch = cur.fetchone()[0]
    cur.execute(
        "SELECT min(id) FROM assessments_result WHERE procedure_id = %s AND school_id = %s",
        (procedure, school),
    )
    result = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM proto_result")
    rows = cur.fetchone()[0]
    return {
        "region": region,
        "median_region": median,
        "municipality": municipality,
        "school": school,
        "procedure": procedure,
        "batch": batch,
        "result": result,
        "year": 2025,
        "rows": rows,
    }
