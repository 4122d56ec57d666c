"""Writes of check runs: requesting and running a check, and telling who asked.

A run is requested for a region or a municipality and a year; Celery runs it
(inline without Redis). It reads the whole region (the reference), runs the
pure method (`assessments.objectivity.checks.check_region`), and stores every indicator of
every school of the scope in one transaction, so a run that dies leaves
nothing half-written and can simply be run again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.objectivity import checks
from assessments.objectivity.loading import data_key, earlier_markers, region_data_load
from assessments.objectivity.models import (
    CheckFinding,
    CheckRun,
    CheckSchool,
    FlagAnswer,
)
from assessments.objectivity.selectors import (
    CHECKED_INSTRUMENTS,
    RERUN_INSTRUMENTS,
    ParamsError,
    check_params,
)
from assessments.results.models import Procedure
from assessments.results.services.partitions import finding_partition_ensure
from schools.models import Municipality, Region, School

logger = logging.getLogger(__name__)

ACTIVE = (CheckRun.Status.QUEUED, CheckRun.Status.RUNNING)


# --- runs ----------------------------------------------------------------------------------


def check_run_request(
    *,
    user,
    year: int,
    region: Region | None = None,
    municipality: Municipality | None = None,
    trigger: str = CheckRun.Trigger.MANUAL,
    queue: bool = True,
) -> CheckRun:
    """Ask for a check of `year` over a municipality (or the whole region). The
    same scope and year already waiting or running is returned rather than
    queued twice. PermissionDenied without the right; ValidationError (Russian)
    when the region has no ВПР results for the year. With `queue=False` (the
    command line) the check runs here and now instead of in Celery."""
    node = municipality or region
    if node is None:
        raise ValidationError(_("Укажите регион или муниципалитет проверки."))
    region = municipality.region if municipality is not None else region
    if user is not None and not user.has_perm("assessments.run_checks", node):
        raise PermissionDenied(_("Ваша роль не позволяет запускать проверку объективности."))
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError(_("Год проверки указан неверно.")) from None
    if not Procedure.objects.filter(
        region=region, year=year, instrument__in=list(CHECKED_INSTRUMENTS), results__isnull=False
    ).exists():
        raise ValidationError(
            _("В регионе «%(region)s» нет результатов ВПР за %(year)s год: проверять нечего.")
            % {"region": region.name, "year": year}
        )
    try:
        check_params(region=region)
    except ParamsError as error:
        raise ValidationError(_("Параметры проверки региона заданы неверно: %s") % error) from None
    key = _request_key(region=region, municipality=municipality, year=year)
    with transaction.atomic():
        same_scope = CheckRun.objects.select_for_update().filter(
            region=region, municipality=municipality, year=year
        )
        # Waiting or running for the scope and year, or done on these very data: that run.
        earlier = (
            same_scope.filter(status__in=ACTIVE).order_by("-pk").first()
            or same_scope.filter(status=CheckRun.Status.DONE, request_key=key)
            .order_by("-pk")
            .first()
        )
        if earlier is not None and queue:
            earlier.repeated = True
            return earlier
        run = CheckRun.objects.create(
            region=region,
            municipality=municipality,
            year=year,
            trigger=trigger,
            request_key=key,
            requested_by=user if user is not None and user.is_authenticated else None,
        )
        run.repeated = False
        if queue:
            transaction.on_commit(run.send)
    if not queue:
        return check_run_execute(run_id=run.pk)
    return run


def check_run_repeated_message(run: CheckRun) -> str:
    """What the user hears when their request returned an earlier run."""
    if run.status == CheckRun.Status.DONE:
        return _(
            "Такая проверка по тем же данным уже выполнена: показан её результат, "
            "повторно она не запускалась."
        )
    return _("Такая проверка уже в работе: показана она, вторая не запускалась.")


def _request_key(*, region, municipality, year: int) -> str:
    """The inputs of a check as they stand now: scope, year, the region's parameters,
    the method, and stamps of the data it reads (results per procedure with the
    last batch, tasks, scales, schools) over every year a run may look at."""
    from assessments.objectivity.models import CheckSettings
    from assessments.results.models import Result, Scale, Task

    window = {"year__gte": year - 5, "year__lte": year + 1}
    procedures = Procedure.objects.filter(region=region, **window)
    payload = {
        "scope": [region.pk, getattr(municipality, "pk", None), year],
        "method": checks.METHOD_VERSION,
        "params": CheckSettings.objects.filter(region=region)
        .values_list("overrides", flat=True)
        .first(),
        "results": list(
            Result.objects.filter(region_id=region.pk, procedure__in=procedures, **window)
            .values_list("procedure_id")
            .annotate(n=Count("pk"), batch=Max("import_batch_id"))
            .order_by("procedure_id")
        ),
        "tasks": list(
            Task.objects.filter(procedure__in=procedures)
            .values_list("procedure_id")
            .annotate(n=Count("pk"), last=Max("pk"))
            .order_by("procedure_id")
        ),
        "scales": list(
            Scale.objects.filter(models.Q(region=region) | models.Q(region__isnull=True), **window)
            .order_by("pk")
            .values_list("pk", "ranges")
        ),
        "schools": list(
            School.objects.filter(region=region)
            .order_by("pk")
            .values_list("pk", "municipality_id", "kind", "locality", "is_active")
        ),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _progress(run: CheckRun, value: int) -> None:
    CheckRun.objects.filter(pk=run.pk).update(progress=max(0, min(99, value)))


def check_run_execute(*, run_id: int) -> CheckRun:
    """Run a queued check and store what it found. Idempotent: a finished run is
    left as it is; a run interrupted half-way (a worker that died) starts over,
    its rows written in one transaction that replaces whatever was there."""
    run = CheckRun.objects.select_related("region", "municipality").get(pk=run_id)
    if run.status in (CheckRun.Status.DONE, CheckRun.Status.FAILED):
        return run
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRun.Status.RUNNING, started_at=timezone.now(), progress=1, error=""
    )
    try:
        result, loaded, params = _compute(run)
        _store(run, result, loaded, params)
    except Exception as error:
        message = (
            str(error.messages[0])
            if isinstance(error, ValidationError)
            else _(
                "Проверка не выполнена из-за внутренней ошибки; предыдущие результаты не изменены."
            )
        )
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.FAILED, error=message, finished_at=timezone.now(), progress=100
        )
        if not isinstance(error, ValidationError):
            run.refresh_from_db()
            check_run_notify(run=run)
            raise
    run.refresh_from_db()
    check_run_notify(run=run)
    return run


def check_run_notify(*, run: CheckRun) -> None:
    """Tell who asked for a check that it finished (with how many schools it
    flagged) or why it did not."""
    from schools.models import Notification
    from schools.notifications import notify

    done = run.status == CheckRun.Status.DONE
    scope = run.municipality or run.region
    if done:
        title = _(
            "Проверка объективности за %(year)d год завершена (%(scope)s): школ с маркерами — %(n)d"
        ) % {"year": run.year, "scope": scope, "n": (run.counts or {}).get("flagged", 0)}
    else:
        title = _("Проверка объективности за %(year)d год не выполнена (%(scope)s)") % {
            "year": run.year,
            "scope": scope,
        }
    notify(
        [run.requested_by],
        kind=Notification.Kind.CHECK_DONE if done else Notification.Kind.CHECK_FAILED,
        key=f"check:{run.pk}:{run.status}",
        title=title,
        body="" if done else run.error,
        url=reverse("objectivity:run-detail", args=[run.pk]),
    )


def _compute(run: CheckRun):
    try:
        params = check_params(region=run.region)
    except ParamsError as error:
        raise ValidationError(str(error)) from None
    loaded = region_data_load(
        region=run.region,
        year=run.year,
        persistence_years=params.persistence_years,
        progress=lambda v: _progress(run, 5 + v),
    )
    if not any(r.procedure.year == run.year for r in loaded.data.results):
        raise ValidationError(
            _("Нет результатов ВПР за %s год с заданиями и шкалой: проверять нечего.") % run.year
        )
    _progress(run, 50)
    scope_rows = None
    if run.municipality_id:
        scope_rows = loaded.rows_of(
            School.objects.filter(municipality_id=run.municipality_id).values_list("pk", flat=True)
        )
    stored = earlier_markers(
        region=run.region,
        year=run.year,
        years=params.persistence_years,
        school_ids=loaded.school_ids,
    )
    result = checks.check_region(
        loaded.data, run.year, params=params, schools=scope_rows, earlier_markers=stored
    )
    _progress(run, 80)
    return result, loaded, params


def _store(run: CheckRun, result: checks.CheckResult, loaded, params) -> None:
    schools = {
        s.pk: s
        for s in School.objects.filter(pk__in=[loaded.school_ids[s.index] for s in result.schools])
    }
    labels = sorted(
        {p.procedure.label for s in result.schools for p in s.procedures},
        key=lambda label: (int(label.split()[0]), label),
    )
    # Its own short transaction, before the run's (no DEFAULT partition).
    finding_partition_ensure(table=CheckFinding._meta.db_table, year=run.year)
    with transaction.atomic():
        CheckFinding.objects.filter(region_id=run.region_id, year=run.year, run=run).delete()
        CheckSchool.objects.filter(run=run).delete()
        rows = []
        for checked in result.schools:
            school = schools[loaded.school_ids[checked.index]]
            rows.append(
                CheckSchool(
                    run=run,
                    region_id=school.region_id,
                    municipality_id=school.municipality_id,
                    school=school,
                    markers=checked.markers,
                    marker_labels=checked.marker_labels,
                    low_result=checked.low_result,
                    strong=checked.strong,
                )
            )
        CheckSchool.objects.bulk_create(rows, batch_size=1000)
        if any(r.pk is None for r in rows):  # databases that do not return ids
            by_school = dict(CheckSchool.objects.filter(run=run).values_list("school_id", "pk"))
            for r in rows:
                r.pk = by_school[r.school_id]
        findings = []
        for checked, row in zip(result.schools, rows, strict=True):
            for proc in checked.procedures:
                findings.append(
                    (
                        run.pk,
                        row.pk,
                        row.region_id,
                        row.municipality_id,
                        row.school_id,
                        loaded.procedures[proc.procedure].pk,
                        proc.procedure.label,
                        proc.pupils,
                        proc.marker,
                        list(proc.reasons),
                        proc.low_result,
                        proc.as_json()["indicators"],
                        run.year,
                    )
                )
        _findings_write(findings)
        counts = {
            "schools": len(rows),
            "flagged": sum(1 for r in rows if r.markers),
            "markers": sum(r.markers for r in rows),
            "low_result": sum(1 for r in rows if r.low_result),
            "labels": labels,
            # The false-alarm budget, each test's thresholds and achieved rates,
            # and the data problems the indicators saw (checks.budget).
            "calibration": checks.data._clean(result.calibration),
        }
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRun.Status.DONE,
            progress=100,
            method_version=result.method_version,
            params=result.params,
            counts=counts,
            data_key=data_key(
                loaded.fingerprint, result.params, run.year, run.municipality_id or "region"
            ),
            finished_at=timezone.now(),
        )
        markers_notify(run=run)


def markers_notify(*, run: CheckRun) -> None:
    """The officials of a flagged school's municipality are told of each marker once
    (per school and work: a check run again does not tell it again)."""
    from schools.models import Notification
    from schools.notifications import Note, notify_each, officials_of

    flagged = list(
        CheckFinding.objects.filter(run=run, marker=True)
        .select_related("school")
        .order_by("school__short_name", "label")
    )
    officials = officials_of(municipality_ids={f.municipality_id for f in flagged})
    body = _(
        "Проверка объективности за %(year)d год. Ответьте на маркер мероприятием "
        "дорожной карты или снимите его с обоснованием."
    ) % {"year": run.year}
    # One batch: each official gets one message with all the new markers.
    notify_each(
        Note(
            user,
            Notification.Kind.MARKER,
            f"marker:{finding.school_id}:{finding.procedure_id}",
            _("Маркер необъективности: %(school)s, %(label)s")
            % {"school": finding.school.short_name, "label": finding.label},
            body,
            reverse("objectivity:finding-detail", args=[finding.pk]),
        )
        for finding in flagged
        for user in officials.get(finding.municipality_id, [])
    )


def answer_notify(*, answer: FlagAnswer, finding: CheckFinding, by) -> None:
    """An answer to a marker reaches the school's deputies and the municipality's
    other officials."""
    from schools.models import Notification
    from schools.notifications import deputies_of, notify, officials_of

    people = officials_of(municipality_ids={answer.municipality_id}).get(
        answer.municipality_id, []
    ) + deputies_of(school_ids={answer.school_id}).get(answer.school_id, [])
    school = answer.school
    if answer.kind == FlagAnswer.Kind.MEASURE:
        title = _("Ответ на маркер: %(school)s, %(procedure)s — мероприятие %(measure)s") % {
            "school": school.short_name,
            "procedure": answer.procedure,
            "measure": answer.measure.number,
        }
        body = answer.measure.text[:500]
    else:
        title = _("Маркер снят: %(school)s, %(procedure)s") % {
            "school": school.short_name,
            "procedure": answer.procedure,
        }
        body = answer.reason
    notify(
        people,
        kind=Notification.Kind.MARKER_ANSWERED,
        key=f"marker_answered:{answer.pk}",
        title=title,
        body=body,
        url=reverse("objectivity:finding-detail", args=[finding.pk]),
        exclude=by,
    )


FINDING_COLUMNS = (
    "run_id",
    "row_id",
    "region_id",
    "municipality_id",
    "school_id",
    "procedure_id",
    "label",
    "pupils",
    "marker",
    "reasons",
    "low_result",
    "indicators",
    "year",
)


def _findings_write(rows: list[tuple]) -> None:
    """Insert findings (tuples in FINDING_COLUMNS order). On PostgreSQL with
    psycopg 3 through COPY: a region's findings carry a few tens of megabytes of
    JSON, which bulk_create's parameter quoting turned into most of a run."""
    raw = connection.cursor().cursor if connection.vendor == "postgresql" else None
    if raw is not None and hasattr(raw, "copy"):
        sql = f"COPY {CheckFinding._meta.db_table} ({', '.join(FINDING_COLUMNS)}) FROM STDIN"
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        with raw.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row[:9], dumps(row[9]), row[10], dumps(row[11]), *row[12:]))
        return
    CheckFinding.objects.bulk_create(
        [CheckFinding(**dict(zip(FINDING_COLUMNS, row, strict=True))) for row in rows],
        batch_size=1000,
    )


def reruns_after_import(*, procedure: Procedure) -> list[CheckRun]:
    """After an import changed `procedure`'s results, check again every scope
    that someone has checked for its year (a run per scope, not one per file)."""
    if procedure.instrument not in RERUN_INSTRUMENTS:
        return []
    scopes = set(
        CheckRun.objects.filter(region_id=procedure.region_id, year=procedure.year)
        .exclude(trigger=CheckRun.Trigger.COMMAND)
        .values_list("municipality_id", flat=True)
    )
    runs = []
    for municipality_id in sorted(scopes, key=lambda m: (m is not None, m or 0)):
        municipality = (
            Municipality.objects.filter(pk=municipality_id).first() if municipality_id else None
        )
        try:
            runs.append(
                check_run_request(
                    user=None,
                    year=procedure.year,
                    region=procedure.region,
                    municipality=municipality,
                    trigger=CheckRun.Trigger.IMPORT,
                )
            )
        except ValidationError as error:
            logger.info("No re-run of checks after import: %s", error)
    return runs


def run_as_json(*, run: CheckRun, rows) -> dict:
    """The stored run in the shape of `check_objectivity --json` (and the API)."""
    rows = list(rows)
    findings = defaultdict(list)
    for finding in (
        CheckFinding.objects.filter(row__in=rows)
        .select_related("procedure")
        .order_by("procedure__grade", "procedure__subject")
    ):
        findings[finding.row_id].append(finding)
    return {
        "run": {
            "id": run.pk,
            "region": run.region.code,
            "municipality": run.municipality.code if run.municipality_id else None,
            "year": run.year,
            "status": run.status,
            "method_version": run.method_version,
            "params": run.params,
            "calibration": (run.counts or {}).get("calibration"),
            "schools": len(rows),
            "flagged": sum(1 for r in rows if r.markers),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        },
        "schools": [
            {
                "code": row.school.fis_login or row.school.code,
                "name": row.school.short_name,
                "municipality": row.municipality.name,
                "markers": row.markers,
                "marker_labels": row.marker_labels,
                "low_result": row.low_result,
                "strong": row.strong,
                "procedures": [
                    {
                        "instrument": f.procedure.get_instrument_display(),
                        "year": f.procedure.year,
                        "grade": f.procedure.grade,
                        "subject": f.procedure.get_subject_display(),
                        "label": f.label,
                        "pupils": f.pupils,
                        "marker": f.marker,
                        "reasons": f.reasons,
                        "indicators": f.indicators,
                    }
                    for f in findings[row.pk]
                ],
            }
            for row in rows
        ],
    }
