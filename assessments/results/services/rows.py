"""Pupil rows of a results import: their columns, the import's outcome, the
privacy salt and person hash, building the rows from a parsed file, and writing
them (COPY on PostgreSQL, bulk_create elsewhere).
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter

from django.db import connection
from django.utils.translation import gettext as _

from assessments.results.importers import ParsedFile
from assessments.results.importers.common import PupilTable
from assessments.results.models import (
    Result,
    ResultPrivacy,
    Scale,
)
from assessments.results.scales import mark_for
from assessments.results.selectors import scale_find
from infra.problems import ImportFailed, Problem

MAX_WARNINGS = 500
PUPIL_FORMATS = ("vpr_form", "consolidated")
RESULT_COLUMNS = (
    "procedure_id",
    "region_id",
    "municipality_id",
    "school_id",
    "import_batch_id",
    "class_name",
    "participant_code",
    "variant",
    "scores",
    "primary_score",
    "mark",
    "test_score",
    "file_mark",
    "mark_mismatch",
    "journal_mark",
    "sex",
    "person_hash",
    "last_name",
    "first_name",
    "patronymic",
    "exam_point",
    "room",
    "answers",
)
# Where a pupil row (RESULT_COLUMNS) holds the scale's mark, the file's and the journal's.
_GATED = tuple(RESULT_COLUMNS.index(c) for c in ("mark", "file_mark", "journal_mark"))
_SCHOOL = RESULT_COLUMNS.index("school_id")


@dataclass
class ImportOutcome:
    """What an import did (or, with dry_run, would do)."""

    file: str
    format: str = ""
    procedure: str = ""
    procedure_id: int | None = None
    procedure_created: bool = False
    tasks_created: int = 0
    rows: int = 0
    absent: int = 0
    skipped: int = 0
    schools: int = 0
    replaced: int = 0
    # Learning routes of the replaced schools: following their pupil's new row by
    # participant code, or kept and marked because the code is not in the file.
    routes_followed: int = 0
    routes_detached: int = 0
    mark_mismatches: int = 0
    unchanged: bool = False
    dry_run: bool = False
    batch_id: int | None = None
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "procedure": self.procedure,
            "procedure_id": self.procedure_id,
            "procedure_created": self.procedure_created,
            "tasks_created": self.tasks_created,
            "rows": self.rows,
            "absent": self.absent,
            "skipped": self.skipped,
            "schools": self.schools,
            "replaced": self.replaced,
            "routes_followed": self.routes_followed,
            "routes_detached": self.routes_detached,
            "mark_mismatches": self.mark_mismatches,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "batch_id": self.batch_id,
            "columns": self.columns,
            "unknown_columns": self.unknown_columns,
            "warnings": [w.as_dict() for w in self.warnings],
            "problems": [p.as_dict() for p in self.problems],
        }

    def counts(self) -> dict:
        data = self.as_dict()
        data.pop("warnings")
        data.pop("problems")
        return data


def _privacy(region_id, *, create: bool) -> ResultPrivacy:
    privacy = ResultPrivacy.objects.filter(region_id=region_id).first()
    if privacy is None and not create:
        return ResultPrivacy(region_id=region_id, salt=secrets.token_hex(16))
    if privacy is None:
        privacy, _ = ResultPrivacy.objects.get_or_create(
            region_id=region_id, defaults={"salt": secrets.token_hex(16)}
        )
    return privacy


def person_hash(*, salt: str, last_name="", first_name="", patronymic="", document="") -> str:
    """A salted hash of a person's name and document: joins years without keeping the name."""
    name = " ".join(
        p.strip().lower().replace("ё", "е") for p in (last_name, first_name, patronymic)
    )
    doc = re.sub(r"\D", "", document or "") or (document or "").strip().lower()
    return hashlib.sha256(f"{salt}|{name}|{doc}".encode()).hexdigest()


def _result_rows(parsed: ParsedFile, procedure, schools_by_code, outcome) -> list[tuple]:
    """One tuple per pupil in RESULT_COLUMNS order, marks computed from the scale."""
    if parsed.format == "aggregate":
        return []
    scale = scale_find(procedure=procedure) if procedure.region_id else None
    test_score_scale = scale is not None and scale.kind == Scale.Kind.TEST_SCORE
    numbers = [t.number for t in parsed.tasks]
    needs_tasks = bool(scale is not None and scale.conditions)
    privacy = None
    if parsed.format == "protocol":
        privacy = _privacy(procedure.region_id, create=not outcome.dry_run)
    rows = []
    warnings = outcome.warnings
    seen = {}
    mismatches = 0
    procedure_id = procedure.pk
    # Without conditions the mark depends on the primary score alone: look it up.
    by_primary = (
        {p: mark_for(scale, p) for p in range(sum(t.max_score for t in parsed.tasks) + 1)}
        if scale is not None and not needs_tasks
        else {}
    )
    if isinstance(parsed.rows, PupilTable) and privacy is None and not needs_tasks:
        built = _table_rows(parsed, procedure_id, schools_by_code, by_primary, scale, outcome)
        if built is not None:
            return built
    for record in parsed.rows:
        school = schools_by_code[record.school_code]
        if scale is None:
            value = None
        elif needs_tasks:
            task_scores = dict(zip(numbers, record.scores, strict=False))
            value = mark_for(scale, record.primary_score, task_scores)
        else:
            value = (
                by_primary.get(record.primary_score)
                if record.primary_score in by_primary
                else mark_for(scale, record.primary_score)
            )
        mark, test_score = (None, value) if test_score_scale else (value, None)
        mismatch = record.file_mark is not None and value is not None and record.file_mark != value
        if mismatch:
            mismatches += 1
            if len(warnings) < MAX_WARNINGS:
                warnings.append(
                    Problem(
                        file=parsed.file,
                        sheet=record.sheet,
                        row=record.row,
                        message=_("В файле %(file)s, по шкале %(scale)s.")
                        % {"file": record.file_mark, "scale": value},
                    )
                )
        hashed, names = "", ("", "", "")
        code = record.participant_code
        if privacy is not None:
            hashed = person_hash(
                salt=privacy.salt,
                last_name=record.last_name,
                first_name=record.first_name,
                patronymic=record.patronymic,
                document=record.document,
            )
            code = hashed[:20]
            if privacy.store_names:
                names = (record.last_name[:100], record.first_name[:100], record.patronymic[:100])
        key = (school.pk, code)
        if key in seen:
            outcome.problems.append(
                Problem(
                    file=parsed.file,
                    sheet=record.sheet,
                    row=record.row,
                    message=_("Участник повторяется (уже был в строке %d).") % seen[key],
                )
            )
            continue
        seen[key] = record.row
        rows.append(
            (
                procedure_id,
                school.region_id,
                school.municipality_id,
                school.pk,
                None,
                record.class_name[:20],
                code[:64],
                record.variant[:20],
                record.scores,
                record.primary_score,
                mark,
                test_score,
                record.file_mark,
                mismatch,
                record.journal_mark,
                record.sex,
                hashed,
                *names,
                record.exam_point[:20],
                record.room[:20],
                record.answers[:200],
            )
        )
    outcome.mark_mismatches = mismatches
    if outcome.problems:
        raise ImportFailed(outcome.problems)
    return rows


def _table_rows(parsed, procedure_id, schools_by_code, by_primary, scale, outcome):
    """_result_rows for a PupilTable, built by column: the same tuples, the same
    warnings; None when one school holds a participant code twice (the row loop
    names the rows)."""
    table = parsed.rows.columns
    count = len(parsed.rows)
    codes = table["school_code"]
    school_ids = list(map({c: s.pk for c, s in schools_by_code.items()}.__getitem__, codes))
    participants = [c[:64] for c in table["participant_code"]]
    if len(set(zip(school_ids, participants, strict=True))) != count:
        return None
    regions = list(map({c: s.region_id for c, s in schools_by_code.items()}.__getitem__, codes))
    municipalities = list(
        map({c: s.municipality_id for c, s in schools_by_code.items()}.__getitem__, codes)
    )
    primary = table["primary_score"]
    if scale is None:
        values = [None] * count
    else:
        values = [by_primary[p] if p in by_primary else mark_for(scale, p) for p in primary]
    file_marks = table["file_mark"]
    mismatches = [
        f is not None and v is not None and f != v for f, v in zip(file_marks, values, strict=True)
    ]
    warnings = outcome.warnings
    if any(mismatches):
        rows_of = table["row"]
        for position in (i for i, m in enumerate(mismatches) if m):
            if len(warnings) >= MAX_WARNINGS:
                break
            warnings.append(
                Problem(
                    file=parsed.file,
                    sheet=parsed.rows.sheet,
                    row=rows_of[position],
                    message=_("В файле %(file)s, по шкале %(scale)s.")
                    % {"file": file_marks[position], "scale": values[position]},
                )
            )
    outcome.mark_mismatches = sum(mismatches)
    nothing = [None] * count
    marks, test_scores = (
        (nothing, values)
        if scale is not None and scale.kind == Scale.Kind.TEST_SCORE
        else (
            values,
            nothing,
        )
    )
    blank = [""] * count  # hash, names, exam point, room, answers: none in pupil tables
    return list(
        zip(
            repeat(procedure_id, count),
            regions,
            municipalities,
            school_ids,
            nothing,
            [c[:20] for c in table["class_name"]],
            participants,
            [v[:20] for v in table["variant"]],
            table["scores"],
            primary,
            marks,
            test_scores,
            file_marks,
            mismatches,
            table["journal_mark"],
            table["sex"],
            *(blank,) * 7,
            strict=True,
        )
    )


_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_SCORE_TEXT = {None: "NULL", **{i: str(i) for i in range(256)}}
_NULL = "\\N"


def _copy_text(rows, batch_id, procedure_id, year) -> str:
    """Rows as COPY TEXT (RESULT_COLUMNS, then the year): tab-separated, \\N for
    NULL, scores as an array literal (`{1,NULL,2}`: NULL is "not attempted")."""
    lines = []
    append = lines.append
    batch = str(batch_id) if batch_id else _NULL
    head = f"{procedure_id}\t"
    end = f"\t{int(year)}"
    score = _SCORE_TEXT.__getitem__
    escape = _ESCAPE
    null = _NULL
    for (
        _procedure,
        region,
        municipality,
        school,
        _batch,
        class_name,
        code,
        variant,
        scores,
        primary,
        mark,
        test_score,
        file_mark,
        mismatch,
        journal,
        sex,
        hashed,
        last_name,
        first_name,
        patronymic,
        exam_point,
        room,
        answers,
    ) in rows:
        tail = (
            f"\t{hashed}\t{last_name.translate(escape)}\t{first_name.translate(escape)}"
            f"\t{patronymic.translate(escape)}\t{exam_point.translate(escape)}"
            f"\t{room.translate(escape)}\t{answers.translate(escape)}"
            if hashed or exam_point or answers
            else "\t\t\t\t\t\t\t"
        )
        append(
            f"{head}{region}\t{municipality}\t{school}\t{batch}\t{class_name.translate(escape)}"
            f"\t{code.translate(escape)}\t{variant.translate(escape)}"
            f"\t{{{','.join(map(score, scores))}}}\t{primary}"
            f"\t{null if mark is None else mark}\t{null if test_score is None else test_score}"
            f"\t{null if file_mark is None else file_mark}\t{'t' if mismatch else 'f'}"
            f"\t{null if journal is None else journal}\t{sex}{tail}{end}"
        )
    lines.append("")
    return "\n".join(lines)


def results_write(
    rows: list[tuple], *, batch_id, procedure_id, year: int, chunk: int = 10000
) -> int:
    """Insert pupil rows (tuples in RESULT_COLUMNS order) of one procedure and its
    `year` in the current transaction. The year's partition must exist
    (`partitions.result_partition_ensure`, before the transaction).

    PostgreSQL: COPY FROM STDIN (through psycopg 3 or psycopg2, whichever Django
    uses); other databases: bulk_create. Returns the number of rows written.

    The rows go in school by school (a stable sort: the file's order within a
    school), so the unique index (region, school, procedure, code, year) takes each
    school's rows at one place instead of all over the index: the server's COPY of
    bench_import_results.py's 200,000 rows (a file whose schools take turns) went
    from 1.98 to 1.55 s. A file grouped by school, as most are, is already in order.
    """
    rows = sorted(rows, key=itemgetter(_SCHOOL))
    if connection.vendor == "postgresql":
        sql = f"COPY {Result._meta.db_table} ({', '.join(RESULT_COLUMNS)}, year) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy"):  # psycopg 3
                from psycopg.copy import QueuedLibpqWriter

                # A writer thread sends each chunk while the next one is built, so
                # PostgreSQL and Python work at the same time.
                with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                    for start in range(0, len(rows), chunk):
                        copy.write(
                            _copy_text(rows[start : start + chunk], batch_id, procedure_id, year)
                        )
            else:  # psycopg2
                for start in range(0, len(rows), chunk):
                    raw.copy_expert(
                        sql,
                        io.StringIO(
                            _copy_text(rows[start : start + chunk], batch_id, procedure_id, year)
                        ),
                    )
        return len(rows)
    objects = []
    for row in rows:
        values = dict(zip(RESULT_COLUMNS, row, strict=True))
        values["procedure_id"] = procedure_id
        values["import_batch_id"] = batch_id
        values["year"] = year
        objects.append(Result(**values))
    Result.objects.bulk_create(objects, batch_size=2000)
    return len(rows)
