"""Writes of the assessments app: result imports (all or nothing), scales, procedures.

An import reads the file, validates every row into a typed record (the pure
parsers in `assessments.importers`), resolves school codes against the
schools the user may import for in one query, computes marks from the scale,
and then either raises ImportFailed with every problem, having written
nothing, or writes everything in one transaction: the school's earlier rows
for the procedure are replaced, pupil rows go in by COPY on PostgreSQL and by
bulk_create elsewhere. The same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.importers import ParsedFile, ProcedureKey, TaskSpec, parse_results
from assessments.importers.columns import parse_overrides
from assessments.importers.plausibility import mark_gates, reading_gates
from assessments.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    ResultPrivacy,
    Scale,
    SchoolAggregate,
    Season,
    Subject,
    Task,
)
from assessments.scales import check_ranges, mark_for, parse_range
from schools.files import FileRejected, read_bytes, read_table
from schools.importing import ImportFailed, Problem, find_header_row
from schools.models import Region, School
from schools.policy import roles_for
from schools.selectors import school_resolve_codes

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


def _progress(batch, value):
    if batch is not None and batch.pk:
        ImportBatch.objects.filter(pk=batch.pk).update(progress=value)


def importable_schools(user):
    """The schools `user` may import results for; None (a command) means every school."""
    if user is None:
        return School.objects.all()
    return School.objects.visible_to(user, roles=roles_for("assessments.import_results"))


def scale_find(*, procedure: Procedure) -> Scale | None:
    """The region's own scale for the procedure, else the federal one.

    A ВПР with objectivity control is marked with the ВПР scale.
    """
    instruments = [procedure.instrument]
    if procedure.instrument == Instrument.VPR_CONTROLLED:
        instruments.append(Instrument.VPR)
    candidates = list(
        Scale.objects.filter(
            Q(region_id=procedure.region_id) | Q(region__isnull=True),
            instrument__in=instruments,
            year=procedure.year,
            grade=procedure.grade,
            subject=procedure.subject,
        )
    )
    candidates.sort(key=lambda s: (s.region_id is None, instruments.index(s.instrument)))
    return candidates[0] if candidates else None


def results_import(
    *,
    source,
    user=None,
    filename: str | None = None,
    procedure: Procedure | None = None,
    procedure_key: ProcedureKey | None = None,
    school: School | None = None,
    dry_run: bool = False,
    batch: ImportBatch | None = None,
    columns: dict[str, str] | None = None,
) -> ImportOutcome:
    """Import one results file, all or nothing.

    `procedure` (or `procedure_key`, or the file's own columns) names the
    procedure; a procedure named by key that does not exist yet is created with
    its tasks from the headers. `school` is the school of a single-school form
    (a deputy's own school when omitted). `user` None means a trusted caller
    (a management command) that may import for any school. `columns` maps
    headers as written to meanings (`importers.columns.MEANINGS`) and wins over
    the rules that read them. Raises ImportFailed with every problem (and the
    columns as understood), having written nothing: a file whose pupils disagree
    with the scale, the journal or their own tasks far beyond honest files
    (`importers.plausibility`) is refused too.
    """
    name = filename or Path(str(getattr(source, "name", None) or source)).name
    try:
        data, name = read_bytes(source, filename=name)
        sha256 = hashlib.sha256(data).hexdigest()
        sheets = read_table(io.BytesIO(data), filename=name)
    except FileRejected as exc:
        raise ImportFailed([Problem(file=name, message=str(exc))]) from exc
    _progress(batch, 20)
    overrides, override_problems = parse_overrides(columns or {})
    if override_problems:
        raise ImportFailed([Problem(file=name, message=m) for m in override_problems])
    parsed = parse_results(sheets, name, overrides)
    del sheets
    outcome = ImportOutcome(
        file=name,
        format=parsed.format,
        dry_run=dry_run,
        rows=len(parsed.rows) or len(parsed.aggregates),
        absent=parsed.absent,
        skipped=parsed.skipped,
        columns=parsed.columns,
        unknown_columns=parsed.unknown_columns,
    )
    details = {"columns": parsed.columns, "unknown_columns": parsed.unknown_columns}
    if not parsed.format:
        raise ImportFailed(parsed.problems, details=details)
    _progress(batch, 40)
    gates = reading_gates(parsed) if parsed.format in PUPIL_FORMATS else []
    schools_by_code, problems = _resolve_schools(parsed, user=user, school=school)
    if gates or parsed.problems or problems:
        raise ImportFailed(gates + _in_file_order(parsed.problems + problems), details=details)
    schools = {s.pk: s for s in schools_by_code.values()}
    regions = {s.region_id for s in schools.values()}
    if len(regions) != 1:
        raise ImportFailed(
            [Problem(file=name, message=_("В одном файле должны быть школы одного региона."))]
        )
    region_id = regions.pop()
    procedure, created, problems = _resolve_procedure(
        parsed, procedure=procedure, key=procedure_key, region_id=region_id, user=user
    )
    if problems:
        raise ImportFailed(problems)
    outcome.procedure_created = created
    outcome.procedure = str(procedure)
    outcome.procedure_id = procedure.pk
    outcome.schools = len(schools)
    tasks, problems = _check_tasks(parsed, procedure)
    if problems:
        raise ImportFailed(problems)
    if parsed.format != "aggregate" and not tasks:
        outcome.tasks_created = len(parsed.tasks)
    _progress(batch, 50)

    if not dry_run and procedure.pk and _already_imported(procedure, schools, sha256, parsed):
        outcome.unchanged = True
        outcome.warnings = parsed.warnings[:MAX_WARNINGS]
        return outcome

    rows_out = _result_rows(parsed, procedure, schools_by_code, outcome)
    if (
        parsed.format in PUPIL_FORMATS
        and {"file_mark", "journal_mark"} & parsed.column_index.keys()
    ):
        problems = mark_gates(parsed, map(itemgetter(*_GATED), rows_out))
        if problems:
            raise ImportFailed(problems, details=details)
    outcome.warnings = (parsed.warnings + outcome.warnings)[:MAX_WARNINGS]
    _progress(batch, 60)
    routes = _routes_plan(procedure, schools, rows_out) if parsed.format != "aggregate" else {}
    outcome.routes_followed = sum(1 for keep in routes.values() if keep)
    outcome.routes_detached = len(routes) - outcome.routes_followed
    if dry_run:
        return outcome
    with transaction.atomic():
        if created:
            procedure.save()
            outcome.procedure_id = procedure.pk
        if not _procedure_has_tasks(procedure) and parsed.tasks:
            Task.objects.bulk_create(
                [
                    Task(
                        procedure=procedure,
                        position=i,
                        number=t.number,
                        max_score=t.max_score,
                        part=t.part,
                    )
                    for i, t in enumerate(parsed.tasks, start=1)
                ]
            )
            Procedure.objects.filter(pk=procedure.pk).update(
                max_score=sum(t.max_score for t in parsed.tasks)
            )
        batch = _batch_for(
            batch,
            user=user,
            file=name,
            sha256=sha256,
            parsed=parsed,
            procedure=procedure,
            schools=schools,
        )
        outcome.batch_id = batch.pk
        if parsed.format == "aggregate":
            outcome.replaced = SchoolAggregate.objects.filter(
                procedure=procedure, school__in=list(schools)
            ).delete()[0]
            SchoolAggregate.objects.bulk_create(
                [
                    SchoolAggregate(
                        procedure=procedure,
                        region_id=schools_by_code[a.school_code].region_id,
                        municipality_id=schools_by_code[a.school_code].municipality_id,
                        school=schools_by_code[a.school_code],
                        import_batch=batch,
                        participants=a.participants,
                        mark_counts=a.mark_counts,
                        histogram=a.histogram,
                    )
                    for a in parsed.aggregates
                ]
            )
        else:
            _results_history(
                procedure=procedure, schools=schools, batch=batch, rows=rows_out, user=user
            )
            outcome.replaced = Result.objects.filter(
                procedure=procedure, school_id__in=list(schools)
            ).delete()[0]
            results_write(rows_out, batch_id=batch.pk, procedure_id=procedure.pk)
            _routes_follow(routes)
        batch.counts = outcome.counts()
        batch.warnings = [w.as_dict() for w in outcome.warnings]
        batch.save(update_fields=["counts", "warnings", "procedure"])
    return outcome


def _routes_plan(procedure, schools, rows) -> dict[int, bool]:
    """The learning routes of the schools being replaced: route id → whether the new
    rows hold its participant code (the route follows) or not (kept, marked)."""
    from assessments.models import LearningRoute

    if not procedure.pk:
        return {}
    school_column = RESULT_COLUMNS.index("school_id")
    code_column = RESULT_COLUMNS.index("participant_code")
    incoming = {(row[school_column], row[code_column]) for row in rows}
    return {
        pk: (school_id, code) in incoming
        for pk, school_id, code in LearningRoute.objects.filter(
            procedure=procedure, school_id__in=list(schools)
        ).values_list("pk", "school_id", "participant_code")
    }


def _routes_follow(plan: dict[int, bool]) -> None:
    from assessments.models import LearningRoute

    for detached in (False, True):
        ids = [pk for pk, keep in plan.items() if keep != detached]
        if ids:
            LearningRoute.objects.filter(pk__in=ids).update(detached=detached)


def _results_history(*, procedure, schools, batch, rows, user) -> None:
    """One history line per school whose results this import writes: who, when,
    which batches (and files) held its rows before and how many, and what
    replaces them. The earlier files stay with their batches, so what was
    replaced can be read again."""
    from django.db.models import Count

    from schools.history import ChangeRecord

    school_ids = list(schools)  # {pk: School}
    before: dict[int, dict] = {}
    for school_id, batch_id, file_name, n in (
        Result.objects.filter(procedure=procedure, school_id__in=school_ids)
        .values_list("school_id", "import_batch_id", "import_batch__file_name")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        entry = before.setdefault(school_id, {"rows": 0, "batches": []})
        entry["rows"] += n
        entry["batches"].append({"batch": batch_id, "file": file_name or ""})
    written: dict[int, int] = {}
    school_column = RESULT_COLUMNS.index("school_id")
    for row in rows:
        written[row[school_column]] = written.get(row[school_column], 0) + 1
    by = user if user is not None and user.is_authenticated else None
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                region_id=school.region_id,
                municipality_id=school.municipality_id,
                school_id=school.pk,
                object_type="results",
                object_id=procedure.pk,
                action="replace" if school.pk in before else "import",
                before=before.get(school.pk),
                after={
                    "rows": written.get(school.pk, 0),
                    "batch": batch.pk,
                    "file": batch.file_name,
                },
                by=by,
            )
            for school in schools.values()
        ],
        batch_size=1000,
    )


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.sheet, p.row or 0))


def _procedure_has_tasks(procedure) -> bool:
    return bool(procedure.pk) and procedure.tasks.exists()


def _resolve_schools(parsed: ParsedFile, *, user, school):
    """Schools by the code the file uses ("" for a single-school form), and problems."""
    allowed = importable_schools(user)
    file = parsed.file
    if parsed.format == "vpr_form":
        if school is None and user is not None:
            own = list(allowed[:2])
            school = own[0] if len(own) == 1 else None
        if school is None:
            return {}, [
                Problem(file=file, message=_("Укажите школу: в форме сбора результатов её нет."))
            ]
        if user is not None and not user.has_perm("assessments.import_results", school):
            return {}, [
                Problem(
                    file=file, message=_("Загружать результаты школы «%s» вы не можете.") % school
                )
            ]
        return {"": school}, []
    records = parsed.aggregates if parsed.format == "aggregate" else parsed.rows
    codes = {r.school_code for r in records}
    found = school_resolve_codes(codes=codes, queryset=allowed)
    problems = []
    reported = set()
    for record in records:
        if record.school_code not in found:
            problems.append(
                Problem(
                    file=file,
                    sheet=record.sheet,
                    row=record.row,
                    column=parsed.school_column,
                    message=_(
                        "Школа с кодом «%s» не найдена среди школ, результаты которых вы можете загружать."
                    )
                    % record.school_code,
                )
            )
            reported.add(record.school_code)
    return found, problems


def _resolve_procedure(parsed: ParsedFile, *, procedure, key, region_id, user):
    """The procedure (unsaved when it is to be created), whether it is new, and problems."""
    file = parsed.file
    if procedure is not None:
        if procedure.region_id != region_id:
            return (
                None,
                False,
                [
                    Problem(
                        file=file,
                        message=_("Процедура «%s» проведена в другом регионе.") % procedure,
                    )
                ],
            )
        return procedure, False, []
    key = (key or ProcedureKey()).merged(parsed.procedure)
    if (
        parsed.format == "protocol"
        and key.grade is None
        and key.instrument in (Instrument.OGE, Instrument.EGE)
    ):
        key = key.merged(ProcedureKey(grade=9 if key.instrument == Instrument.OGE else 11))
    if not key.complete:
        missing = [
            label
            for name, label in (
                ("instrument", _("процедура")),
                ("subject", _("предмет")),
                ("grade", _("класс")),
                ("year", _("год")),
            )
            if getattr(key, name) is None
        ]
        return (
            None,
            False,
            [
                Problem(
                    file=file,
                    message=_("Не указана процедура (нет: %s): выберите её или укажите в файле.")
                    % ", ".join(missing),
                )
            ],
        )
    season = key.season or (
        Season.MAIN
        if key.instrument in (Instrument.OGE, Instrument.EGE, Instrument.GVE)
        else Season.SPRING
    )
    existing = Procedure.objects.filter(
        region_id=region_id,
        instrument=key.instrument,
        subject=key.subject,
        grade=key.grade,
        year=key.year,
        season=season,
    ).first()
    if existing is not None:
        return existing, False, []
    return (
        Procedure(
            region_id=region_id,
            instrument=key.instrument,
            subject=key.subject,
            grade=key.grade,
            year=key.year,
            season=season,
            max_score=sum(t.max_score for t in parsed.tasks),
        ),
        True,
        [],
    )


def _check_tasks(parsed: ParsedFile, procedure: Procedure):
    """The procedure's tasks; a problem when the file's headers disagree with them."""
    if parsed.format == "aggregate" or not procedure.pk:
        return [], []
    tasks = list(procedure.tasks.filter(variant="").order_by("position"))
    if not tasks:
        return [], []
    want = [(t.number, t.max_score) for t in tasks]
    got = [(t.number, t.max_score) for t in parsed.tasks]
    if parsed.format == "protocol":
        want, got = [m for _n, m in want], [m for _n, m in got]
        # A protocol knows a short task's maximum only from the scores it saw.
        if len(want) == len(got) and all(g <= w for g, w in zip(got, want, strict=True)):
            return tasks, []
    if want == got:
        return tasks, []
    return tasks, [
        Problem(
            file=parsed.file,
            sheet=parsed.sheet,
            message=_(
                "Задания в файле (%(got)s) не совпадают с заданиями процедуры «%(procedure)s» "
                "(%(want)s)."
            )
            % {
                "got": ", ".join(f"{t.number} ({t.max_score}б)" for t in parsed.tasks),
                "want": ", ".join(f"{t.number} ({t.max_score}б)" for t in tasks),
                "procedure": procedure,
            },
        )
    ]


def _already_imported(procedure, schools, sha256, parsed) -> bool:
    """Whether every school of the file holds exactly the rows of this very file."""
    model = SchoolAggregate if parsed.format == "aggregate" else Result
    batches = set(
        model.objects.filter(procedure=procedure, school_id__in=list(schools))
        .values_list("school_id", "import_batch_id")
        .distinct()
    )
    if {school for school, _b in batches} != set(schools):
        return False
    hashes = set(
        ImportBatch.objects.filter(pk__in={b for _s, b in batches}).values_list("sha256", flat=True)
    )
    return hashes == {sha256} and None not in {b for _s, b in batches}


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


def _batch_for(batch, *, user, file, sha256, parsed, procedure, schools) -> ImportBatch:
    if batch is None:
        first = next(iter(schools.values()))
        single = len(schools) == 1
        municipalities = {s.municipality_id for s in schools.values()}
        batch = ImportBatch.objects.create(
            region_id=first.region_id,
            municipality_id=municipalities.pop() if len(municipalities) == 1 else None,
            school=first if single else None,
            created_by=user,
            file_name=file[:255],
            sha256=sha256,
            format=parsed.format,
            procedure=procedure,
            status=ImportBatch.Status.DONE,
            progress=100,
            finished_at=timezone.now(),
        )
    else:
        batch.sha256 = sha256
        batch.format = parsed.format
        batch.procedure = procedure
        batch.save(update_fields=["sha256", "format", "procedure"])
    return batch


# --- writing pupil rows -------------------------------------------------------------

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_SCORE_TEXT = {None: "null", **{i: str(i) for i in range(256)}}
_NULL = "\\N"


def _copy_text(rows, batch_id, procedure_id) -> str:
    """Rows as COPY TEXT: tab-separated, \\N for NULL, scores as a JSON list."""
    lines = []
    append = lines.append
    batch = str(batch_id) if batch_id else _NULL
    head = f"{procedure_id}\t"
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
            f"\t[{','.join(map(score, scores))}]\t{primary}"
            f"\t{null if mark is None else mark}\t{null if test_score is None else test_score}"
            f"\t{null if file_mark is None else file_mark}\t{'t' if mismatch else 'f'}"
            f"\t{null if journal is None else journal}\t{sex}{tail}"
        )
    lines.append("")
    return "\n".join(lines)


def results_write(rows: list[tuple], *, batch_id, procedure_id, chunk: int = 10000) -> int:
    """Insert pupil rows (tuples in RESULT_COLUMNS order) in the current transaction.

    PostgreSQL: COPY FROM STDIN (through psycopg 3 or psycopg2, whichever Django
    uses); other databases: bulk_create. Returns the number of rows written.
    """
    if connection.vendor == "postgresql":
        sql = f"COPY {Result._meta.db_table} ({', '.join(RESULT_COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy"):  # psycopg 3
                from psycopg.copy import QueuedLibpqWriter

                # A writer thread sends each chunk while the next one is built, so
                # PostgreSQL and Python work at the same time.
                with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                    for start in range(0, len(rows), chunk):
                        copy.write(_copy_text(rows[start : start + chunk], batch_id, procedure_id))
            else:  # psycopg2
                for start in range(0, len(rows), chunk):
                    raw.copy_expert(
                        sql,
                        io.StringIO(
                            _copy_text(rows[start : start + chunk], batch_id, procedure_id)
                        ),
                    )
        return len(rows)
    objects = []
    for row in rows:
        values = dict(zip(RESULT_COLUMNS, row, strict=True))
        values["procedure_id"] = procedure_id
        values["import_batch_id"] = batch_id
        objects.append(Result(**values))
    Result.objects.bulk_create(objects, batch_size=2000)
    return len(rows)


# --- batches run in the background ------------------------------------------------------


def import_batch_create(
    *, user, upload, procedure=None, school=None, dry_run=False, columns=None
) -> ImportBatch:
    """Keep the uploaded file on a queued batch and run it after commit (Celery).

    `columns` maps headers as written to meanings, as a person chose them in the
    preview of an earlier batch of the same file."""
    from schools.scoping import reach_of

    node_school = school
    reach = reach_of(user, roles_for("assessments.import_results"))
    if (
        node_school is None
        and len(reach.schools) == 1
        and not (reach.municipalities or reach.regions)
    ):
        node_school = School.objects.get(pk=next(iter(reach.schools)))
    if node_school is not None:
        region_id, municipality_id = node_school.region_id, node_school.municipality_id
    elif reach.municipalities:
        from schools.models import Municipality

        municipality = Municipality.objects.get(pk=sorted(reach.municipalities)[0])
        region_id, municipality_id = municipality.region_id, municipality.pk
    elif reach.regions:
        region_id, municipality_id = sorted(reach.regions)[0], None
    else:
        region_id = procedure.region_id if procedure else Region.objects.order_by("pk").first().pk
        municipality_id = None
    batch = ImportBatch(
        region_id=region_id,
        municipality_id=municipality_id,
        school=node_school,
        created_by=user,
        file_name=Path(upload.name).name[:255],
        sha256="",
        procedure=procedure,
        dry_run=dry_run,
        options={"school_id": school.pk if school else None, "columns": dict(columns or {})},
    )
    batch.file.save(Path(upload.name).name, upload, save=False)
    batch.save()
    from assessments.tasks import import_batch_task

    transaction.on_commit(lambda: _queue_import(batch, import_batch_task))
    return batch


def _queue_import(batch: ImportBatch, task) -> None:
    """Send the batch to the workers; with the broker down, keep it queued and flagged
    (`options.queue_unavailable`), for the view to say so and the sweep in
    config/background.py to send it later."""
    from config.background import enqueue

    if not enqueue(task, batch.pk):
        batch.options = {**batch.options, "queue_unavailable": True}
        ImportBatch.objects.filter(pk=batch.pk).update(options=batch.options)


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Run a queued batch: idempotent (a finished batch is left as it is)."""
    batch = ImportBatch.objects.select_related("created_by", "procedure").get(pk=batch_id)
    if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.FAILED):
        return batch
    # When it started, for the sweep that fails imports whose worker died.
    batch.options = {**(batch.options or {}), "started_at": timezone.now().isoformat()}
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.RUNNING, progress=5, options=batch.options
    )
    school_id = (batch.options or {}).get("school_id")
    school = School.objects.filter(pk=school_id).first() if school_id else None
    try:
        with batch.file.open("rb") as handle:
            outcome = results_import(
                source=handle,
                filename=batch.file_name,
                user=batch.created_by,
                procedure=batch.procedure,
                school=school,
                dry_run=batch.dry_run,
                batch=batch,
                columns=(batch.options or {}).get("columns") or None,
            )
    except ImportFailed as failed:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            progress=100,
            counts=failed.details,  # the columns as understood, for the preview
            problems=[p.as_dict() for p in failed.problems],
            finished_at=timezone.now(),
        )
    except Exception:
        # Nothing was written (the write is one transaction); say so, then let it be logged.
        message = _("Файл не загружен из-за внутренней ошибки; ничего не записано.")
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED,
            progress=100,
            problems=[Problem(file=batch.file_name, message=message).as_dict()],
            finished_at=timezone.now(),
        )
        batch.refresh_from_db()
        import_notify(batch=batch)
        raise
    else:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.DONE,
            progress=100,
            counts=outcome.counts(),
            warnings=[w.as_dict() for w in outcome.warnings],
            procedure_id=outcome.procedure_id,
            finished_at=timezone.now(),
        )
    batch.refresh_from_db()
    import_notify(batch=batch)
    return batch


def import_notify(*, batch: ImportBatch) -> None:
    """Tell the person who uploaded a file how its import ended."""
    from django.urls import reverse

    from schools.models import Notification
    from schools.notifications import notify

    done = batch.status == ImportBatch.Status.DONE
    if done:
        title = (
            _("Файл проверен, ошибок нет: %s") if batch.dry_run else _("Результаты загружены: %s")
        )
    else:
        title = _("Загрузка не удалась: %s")
    problems = batch.problems or []
    body = ""
    if not done and problems:
        body = "\n".join(str(p.get("message", "")) for p in problems[:3])
        if len(problems) > 3:
            body += "\n" + _("…всего замечаний: %d") % len(problems)
    notify(
        [batch.created_by],
        kind=Notification.Kind.IMPORT_DONE if done else Notification.Kind.IMPORT_FAILED,
        key=f"import:{batch.pk}:{batch.status}",
        title=title % batch.file_name,
        body=body,
        url=reverse("assessments:import-detail", args=[batch.pk]),
    )


# --- scales -----------------------------------------------------------------------------

SCALE_COLUMNS = {
    "instrument": ("процедура", "инструмент", "вид процедуры", "экзамен"),
    "year": ("год",),
    "grade": ("класс", "параллель"),
    "subject": ("предмет",),
    "value": ("отметка", "тестовый балл", "оценка", "балл по шкале"),
    "range": ("первичный балл", "диапазон", "диапазон первичного балла", "первичные баллы"),
    "minimum": ("минимальный балл",),
    # The other common layout: the range in two columns.
    "low": (
        "балл от",
        "первичный балл от",
        "мин",
        "минимальный первичный балл",
        "мин балл",
        "минимум",
    ),
    "high": (
        "балл до",
        "первичный балл до",
        "макс",
        "максимальный первичный балл",
        "макс балл",
        "максимум",
    ),
}


@dataclass
class ScaleImportOutcome:
    file: str
    scales: int = 0
    created: int = 0
    updated: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "scales": self.scales,
            "created": self.created,
            "updated": self.updated,
            "dry_run": self.dry_run,
        }


def scales_import(*, source, filename=None, region: Region | None = None, dry_run=False):
    """Import scales: one row per (instrument, year, grade, subject, mark or test score)
    with its primary-score range, in one column («0–9», «0-9», «от 0 до 9») or two
    («Балл от» / «Балл до», «мин» / «макс»). All or nothing; the same file again
    changes nothing."""
    from assessments.importers.common import as_int, instrument_from_text, subject_from_text

    name = filename or Path(str(getattr(source, "name", None) or source)).name
    try:
        sheets = read_table(source, filename=name)
    except FileRejected as exc:
        raise ImportFailed([Problem(file=name, message=str(exc))]) from exc
    problems: list[Problem] = []
    groups: dict[tuple, dict] = {}
    required = {"instrument", "year", "grade", "subject", "value"}
    for sheet in sheets:
        index, columns = find_header_row(sheet.rows, SCALE_COLUMNS, required)
        if index is None:
            continue
        two_columns = {"low", "high"} <= columns.keys()
        if "range" not in columns and not two_columns:
            continue
        if two_columns:
            columns.pop("range", None)
        header = sheet.rows[index]
        value_is_test = "тест" in str(header[columns["value"]]).lower()
        for offset, row in enumerate(sheet.rows[index + 1 :], start=index + 2):
            if not any(v is not None for v in row):
                continue
            row = row + [None] * (len(header) - len(row))

            def problem(
                field_name, message, offset=offset, header=header, columns=columns, sheet=sheet
            ):
                problems.append(
                    Problem(
                        file=name,
                        sheet=sheet.name,
                        row=offset,
                        column=str(header[columns[field_name]]),
                        message=message,
                    )
                )

            instrument = instrument_from_text(row[columns["instrument"]])
            subject = subject_from_text(row[columns["subject"]])
            year, grade = as_int(row[columns["year"]]), as_int(row[columns["grade"]])
            value = as_int(row[columns["value"]])
            if two_columns:
                low, high = as_int(row[columns["low"]]), as_int(row[columns["high"]])
                bounds = (low, high) if None not in (low, high) and low <= high else None
                range_field = "low" if low is None else "high"
            else:
                bounds = parse_range(row[columns["range"]])
                range_field = "range"
            for field_name, got in (
                ("instrument", instrument),
                ("subject", subject),
                ("year", year),
                ("grade", grade),
                ("value", value),
                (range_field, bounds),
            ):
                if got is None:
                    problem(
                        field_name,
                        _("Значение «%s» не распознано.") % (row[columns[field_name]] or ""),
                    )
            if None in (instrument, subject, year, grade, value, bounds):
                continue
            group = groups.setdefault(
                (instrument, year, grade, subject),
                {
                    "ranges": [],
                    "rows": [],
                    "test": value_is_test,
                    "minimum": None,
                    "sheet": sheet.name,
                },
            )
            group["ranges"].append([bounds[0], bounds[1], value])
            group["rows"].append(offset)
            if "minimum" in columns and as_int(row[columns["minimum"]]) is not None:
                group["minimum"] = as_int(row[columns["minimum"]])
    if not groups and not problems:
        problems.append(
            Problem(
                file=name,
                message=_(
                    "Не найдена строка заголовков: нужны столбцы «Процедура», «Год», «Класс», "
                    "«Предмет», «Отметка» (или «Тестовый балл») и «Первичный балл» (диапазон "
                    "«0–9») либо два столбца «Балл от» и «Балл до»."
                ),
            )
        )
    for (instrument, year, grade, subject), group in groups.items():
        for error in check_ranges(group["ranges"]):
            problems.append(
                Problem(
                    file=name,
                    sheet=group["sheet"],
                    row=group["rows"][0],
                    message=f"{Instrument(instrument).label}, {Subject(subject).label}, "
                    f"{grade} кл., {year}: {error}",
                )
            )
    if problems:
        raise ImportFailed(problems)
    outcome = ScaleImportOutcome(file=name, scales=len(groups), dry_run=dry_run)
    with transaction.atomic():
        for (instrument, year, grade, subject), group in groups.items():
            ranges = sorted(group["ranges"])
            _scale, created = Scale.objects.update_or_create(
                region=region,
                instrument=instrument,
                year=year,
                grade=grade,
                subject=subject,
                defaults={
                    "kind": Scale.Kind.TEST_SCORE if group["test"] else Scale.Kind.MARK,
                    "max_score": ranges[-1][1],
                    "ranges": ranges,
                    "minimum_score": group["minimum"],
                    "source": name[:500],
                },
            )
            if created:
                outcome.created += 1
            else:
                outcome.updated += 1
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def task_specs(procedure: Procedure) -> list[TaskSpec]:
    return [TaskSpec(t.number, t.max_score, t.part) for t in procedure.tasks.order_by("position")]


def learning_route_save(
    *, result: Result, steps: list[dict], note: str, by, version: int | None = None
):
    """Keep the school's version of a pupil's ИОМ. A stale `version` is refused.

    `steps` come in the draft's order; each keeps its planned result and tasks
    as drafted, with the teacher's forms of work, due date and done mark.
    """
    from django.core.exceptions import PermissionDenied, ValidationError

    from assessments.models import LearningRoute

    if not by.has_perm("assessments.edit_learning_route", result.school):
        raise PermissionDenied(_("Маршрут ведёт заместитель директора школы."))
    cleaned = []
    for step in steps:
        forms_text = str(step.get("forms", "")).strip()[:1000]
        due = str(step.get("due", "")).strip()
        if due:
            try:
                date.fromisoformat(due)
            except ValueError as exc:
                raise ValidationError(
                    _("Срок «%s» — не дата (ожидается ГГГГ-ММ-ДД).") % due
                ) from exc
        cleaned.append(
            {
                "planned_result": str(step.get("planned_result", ""))[:1000],
                "tasks": str(step.get("tasks", ""))[:200],
                "forms": forms_text,
                "due": due,
                "done": bool(step.get("done")),
            }
        )
    with transaction.atomic():
        route = LearningRoute.for_result(result).select_for_update().first()
        if route is None:
            route = LearningRoute(
                procedure_id=result.procedure_id,
                participant_code=result.participant_code,
                region_id=result.region_id,
                municipality_id=result.municipality_id,
                school_id=result.school_id,
            )
        elif version is not None and route.version != version:
            who = (
                route.updated_by.get_full_name() or route.updated_by.username
                if route.updated_by
                else "—"
            )
            raise ValidationError(
                _("Маршрут уже изменил(а) %(who)s; обновите страницу.") % {"who": who}
            )
        else:
            route.version += 1
        route.steps, route.note, route.updated_by = cleaned, note.strip(), by
        route.detached = False  # saved from the pupil's current row
        route.save()
    return route
