"""Writes of results: an import reads the file, validates every row into a typed
record (the pure parsers in `assessments.results.importers`; a plain pupil table
by whole columns, its records a PupilTable), resolves school
codes against the schools the user may import for in one query, computes marks
from the scale, and then either raises ImportFailed with every problem, having
written nothing, or writes everything in one transaction: the school's earlier
rows for the procedure are replaced, pupil rows go in by COPY on PostgreSQL and
by bulk_create elsewhere. The same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from operator import itemgetter
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.results.importers import ParsedFile, ProcedureKey, parse_results
from assessments.results.importers.columns import parse_overrides
from assessments.results.importers.common import PupilTable
from assessments.results.importers.plausibility import mark_gates, reading_gates
from assessments.results.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    SchoolAggregate,
    Season,
    Task,
)
from assessments.results.services.partitions import (
    result_partition_ensure,
    result_year_validate,
)
from assessments.results.services.rows import (
    _GATED,
    MAX_WARNINGS,
    PUPIL_FORMATS,
    RESULT_COLUMNS,
    ImportOutcome,
    _result_rows,
    results_write,
)
from assessments.results.signals import results_replaced, results_replacing
from infra.files import FileRejected, gc_paused, read_bytes, read_table
from infra.problems import ImportFailed, Problem
from schools.models import School
from schools.policy import roles_for
from schools.selectors import school_resolve_codes


def _progress(batch, value):
    if batch is not None and batch.pk:
        ImportBatch.objects.filter(pk=batch.pk).update(progress=value)


def importable_schools(user):
    """The schools `user` may import results for; None (a command) means every school."""
    if user is None:
        return School.objects.all()
    return School.objects.visible_to(user, roles=roles_for("assessments.import_results"))


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
        sheets = read_table(io.BytesIO(data), filename=name, columnar=True)
    except FileRejected as exc:
        raise ImportFailed([Problem(file=name, message=str(exc))]) from exc
    _progress(batch, 20)
    overrides, override_problems = parse_overrides(columns or {})
    if override_problems:
        raise ImportFailed([Problem(file=name, message=m) for m in override_problems])
    with gc_paused():
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

    if (
        not dry_run
        and procedure.pk
        and _already_imported(procedure, schools, sha256, parsed, region_id=region_id)
    ):
        outcome.unchanged = True
        outcome.warnings = parsed.warnings[:MAX_WARNINGS]
        return outcome

    with gc_paused():
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
    if parsed.format != "aggregate":
        _replacing_announce(procedure, schools, rows_out, outcome)
        if dry_run:
            result_year_validate(year=procedure.year, file=name)
        else:
            # Its own short transaction, before the import's (no DEFAULT partition).
            result_partition_ensure(year=procedure.year, file=name)
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
                procedure=procedure,
                region_id=region_id,
                schools=schools,
                batch=batch,
                rows=rows_out,
                user=user,
            )
            outcome.replaced = results_delete(
                procedure=procedure, region_id=region_id, school_ids=list(schools)
            )
            results_write(
                rows_out, batch_id=batch.pk, procedure_id=procedure.pk, year=procedure.year
            )
            results_replaced.send(sender=Result, procedure=procedure, school_ids=list(schools))
        batch.counts = outcome.counts()
        batch.warnings = [w.as_dict() for w in outcome.warnings]
        batch.save(update_fields=["counts", "warnings", "procedure"])
    return outcome


def results_delete(*, procedure, region_id: int, school_ids: list[int]) -> int:
    """Delete the schools' rows of `procedure` in one statement by the unique key's
    columns (region, school, procedure, year). Django's collector deletes without
    fetching a row as long as nothing points at a result (learning routes name the
    pupil, `assessments.analytics.receivers`) and no signal listens to its deletes;
    tests/assessments/test_large_tables.py checks that it stays one statement."""
    return Result.objects.filter(
        region_id=region_id, school_id__in=school_ids, procedure=procedure, year=procedure.year
    ).delete()[0]


def _replacing_announce(procedure, schools, rows, outcome) -> None:
    """Tell the apps above (learning routes) which pupil rows are about to replace
    the schools' rows, and add the counts they return to the outcome."""
    school_column = RESULT_COLUMNS.index("school_id")
    code_column = RESULT_COLUMNS.index("participant_code")
    participants = frozenset(
        zip(map(itemgetter(school_column), rows), map(itemgetter(code_column), rows), strict=True)
    )
    for _receiver, counts in results_replacing.send(
        sender=Result, procedure=procedure, school_ids=list(schools), participants=participants
    ):
        for name, value in (counts or {}).items():
            setattr(outcome, name, getattr(outcome, name) + value)


def _results_history(*, procedure, region_id: int, schools, batch, rows, user) -> None:
    """One history line per school whose results this import writes: who, when,
    which batches (and files) held its rows before and how many, and what
    replaces them. The earlier files stay with their batches, so what was
    replaced can be read again."""
    from django.db.models import Count

    from schools.history import ChangeRecord

    school_ids = list(schools)  # {pk: School}
    held = list(
        Result.objects.filter(
            region_id=region_id, procedure=procedure, year=procedure.year, school_id__in=school_ids
        )
        .values_list("school_id", "import_batch_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    files = dict(
        ImportBatch.objects.filter(pk__in={b for _s, b, _n in held if b}).values_list(
            "pk", "file_name"
        )
    )
    before: dict[int, dict] = {}
    for school_id, batch_id, n in held:
        entry = before.setdefault(school_id, {"rows": 0, "batches": []})
        entry["rows"] += n
        entry["batches"].append({"batch": batch_id, "file": files.get(batch_id) or ""})
    written = Counter(map(itemgetter(RESULT_COLUMNS.index("school_id")), rows))
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
    if isinstance(records, PupilTable):
        codes = set(records.columns["school_code"])
    else:
        codes = {r.school_code for r in records}
    found = school_resolve_codes(codes=codes, queryset=allowed)
    if codes <= found.keys():
        return found, []
    zeros = _codes_without_zeros(codes - found.keys(), allowed)
    problems = []
    for record in records:
        if record.school_code not in found:
            message = (
                _(
                    "Школа с кодом «%s» не найдена среди школ, результаты которых вы можете загружать."
                )
                % record.school_code
            )
            if padded := zeros.get(record.school_code):
                message += " " + _(
                    "В справочнике есть школа с кодом «%(padded)s»: похоже, Excel убрал ведущие "
                    "нули, сохранив код числом. Задайте столбцу формат «%(format)s» (Формат "
                    "ячеек → все форматы) или запишите коды текстом и загрузите файл снова."
                ) % {"padded": padded, "format": "0" * len(padded)}
            problems.append(
                Problem(
                    file=file,
                    sheet=record.sheet,
                    row=record.row,
                    column=parsed.school_column,
                    message=message,
                )
            )
    return found, problems


def _codes_without_zeros(missing, allowed) -> dict[str, str]:
    """Unknown all-digit codes that are a known school's code without its leading
    zeros (50102 for «050102», as Excel keeps a code typed into a number cell):
    code as written → the school's code. One query."""
    digits = {str(c).strip() for c in missing if str(c).strip().isdigit()}
    if not digits:
        return {}
    padded = {code.zfill(len(code) + k): code for code in digits for k in (1, 2, 3)}
    return {
        padded[school.code]: school.code
        for school in allowed.filter(code__in=list(padded)).only("code")
    }


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


def _already_imported(procedure, schools, sha256, parsed, *, region_id: int) -> bool:
    """Whether every school of the file holds exactly the rows of this very file.

    A file no batch holds (most files: any change makes another hash) is not looked
    for among the rows. Otherwise the schools' rows are read by the region (and the
    year, the results' partition), as every hot query of the large tables."""
    if not ImportBatch.objects.filter(sha256=sha256).exists():
        return False
    if parsed.format == "aggregate":
        held = SchoolAggregate.objects.filter(region_id=region_id, procedure=procedure)
    else:
        held = Result.objects.filter(region_id=region_id, procedure=procedure, year=procedure.year)
    batches = set(
        held.filter(school_id__in=list(schools))
        .values_list("school_id", "import_batch_id")
        .order_by()  # not the models' ordering, which DISTINCT would count in
        .distinct()
    )
    if {school for school, _b in batches} != set(schools):
        return False
    hashes = set(
        ImportBatch.objects.filter(pk__in={b for _s, b in batches}).values_list("sha256", flat=True)
    )
    return hashes == {sha256} and None not in {b for _s, b in batches}


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
