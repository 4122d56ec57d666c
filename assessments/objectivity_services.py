"""Writes of the objectivity checks: requesting and running a check, answering a
flag, putting flagged schools into a roadmap, importing an official list.

A run is requested for a region or a municipality and a year; Celery runs it
(inline without Redis). It reads the whole region (the reference), runs the
pure method (`assessments.checks.check_region`), and stores every indicator of
every school of the scope in one transaction, so a run that dies leaves
nothing half-written and can simply be run again.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import checks
from assessments.models import (
    CheckFinding,
    CheckRun,
    CheckSchool,
    FlagAnswer,
    OfficialList,
    OfficialListEntry,
    Procedure,
)
from assessments.objectivity_selectors import (
    CHECKED_INSTRUMENTS,
    RERUN_INSTRUMENTS,
    ParamsError,
    check_params,
    data_key,
    earlier_markers,
    region_data_load,
)
from schools.files import read_bytes, read_table
from schools.importing import ImportFailed, Problem, find_header_row
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
            transaction.on_commit(lambda: _send(run))
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
    from assessments.models import CheckSettings, Result, Scale, Task

    window = {"year__gte": year - 5, "year__lte": year + 1}
    procedures = Procedure.objects.filter(region=region, **window)
    payload = {
        "scope": [region.pk, getattr(municipality, "pk", None), year],
        "method": checks.METHOD_VERSION,
        "params": CheckSettings.objects.filter(region=region)
        .values_list("overrides", flat=True)
        .first(),
        "results": list(
            Result.objects.filter(region_id=region.pk, procedure__in=procedures)
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


def _send(run: CheckRun) -> None:
    """Queue the run; with the broker down it stays queued with a Russian note,
    and the background sweep sends it once the queue is back."""
    from assessments.tasks import run_checks_task
    from config.background import enqueue, queue_unavailable_message

    if not enqueue(run_checks_task, run.pk):
        CheckRun.objects.filter(pk=run.pk, status=CheckRun.Status.QUEUED).update(
            error=queue_unavailable_message()
        )


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
    with transaction.atomic():
        CheckFinding.objects.filter(run=run).delete()
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
                copy.write_row((*row[:9], dumps(row[9]), row[10], dumps(row[11])))
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


# --- answers ---------------------------------------------------------------------------------


def _answer_record(answer: FlagAnswer, *, action: str, by) -> None:
    """Who answered which marker how, and who withdrew an answer: kept in the
    history the municipality reads (schools.history.ChangeRecord)."""
    from schools.history import ChangeRecord

    state = {
        "procedure_id": answer.procedure_id,
        "procedure": str(answer.procedure),
        "kind": answer.kind,
        "measure": answer.measure_id,
        "reason": answer.reason,
    }
    ChangeRecord.objects.create(
        region_id=answer.region_id,
        municipality_id=answer.municipality_id,
        school_id=answer.school_id,
        roadmap_id=answer.measure.roadmap_id if answer.measure_id else None,
        object_type="flaganswer",
        object_id=answer.pk,
        action=action,
        before=state if action == "delete" else None,
        after=None if action == "delete" else state,
        by=by if by is not None and by.is_authenticated else None,
    )


def _require_answer(user, finding: CheckFinding) -> None:
    if not user.has_perm("assessments.answer_flag", finding):
        raise PermissionDenied(_("Ваша роль не позволяет отвечать на признаки необъективности."))
    if not finding.marker:
        raise ValidationError(_("По этой работе у школы нет маркера: отвечать не на что."))


def flag_dismiss(*, finding: CheckFinding, reason: str, by) -> FlagAnswer:
    """Dismiss a school's marker in a procedure with a written reason."""
    _require_answer(by, finding)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError(
            _(
                "Опишите, почему признак снимается (не короче 10 символов): профиль школы, итоги перепроверки…"
            )
        )
    with transaction.atomic():
        answer, created = FlagAnswer.objects.update_or_create(
            school_id=finding.school_id,
            procedure_id=finding.procedure_id,
            kind=FlagAnswer.Kind.DISMISSED,
            defaults={
                "region_id": finding.region_id,
                "municipality_id": finding.municipality_id,
                "reason": reason[:5000],
                "answered_by": by,
            },
        )
        _answer_record(answer, action="create" if created else "update", by=by)
        answer_notify(answer=answer, finding=finding, by=by)
    return answer


def flag_answer_with_measure(*, finding: CheckFinding, measure, by) -> FlagAnswer:
    """Answer a marker by a roadmap measure for that school (the measure must be
    one the user sees, of a roadmap covering the school)."""
    _require_answer(by, finding)
    roadmap = measure.roadmap
    covers = (
        roadmap.school_id == finding.school_id
        or (roadmap.school_id is None and roadmap.municipality_id == finding.municipality_id)
        or (
            roadmap.municipality_id is None
            and roadmap.school_id is None
            and roadmap.region_id == finding.region_id
        )
    )
    if not covers:
        raise ValidationError(
            _("Мероприятие относится к дорожной карте, которая не охватывает эту школу.")
        )
    with transaction.atomic():
        answer, created = FlagAnswer.objects.get_or_create(
            school_id=finding.school_id,
            procedure_id=finding.procedure_id,
            measure=measure,
            defaults={
                "region_id": finding.region_id,
                "municipality_id": finding.municipality_id,
                "kind": FlagAnswer.Kind.MEASURE,
                "answered_by": by,
            },
        )
        if created:
            _answer_record(answer, action="create", by=by)
            answer_notify(answer=answer, finding=finding, by=by)
    return answer


def flag_answer_delete(*, answer: FlagAnswer, by) -> None:
    if not by.has_perm("assessments.answer_flag", answer):
        raise PermissionDenied(_("Ваша роль не позволяет отвечать на признаки необъективности."))
    with transaction.atomic():
        _answer_record(answer, action="delete", by=by)
        answer.delete()


# --- flagged schools into the municipal roadmap ---------------------------------------------

# The measures the seed roadmaps attach to schools with signs of biased results.
FLAG_MEASURES = (
    {
        "text": "Обеспечение контроля проведения оценочных процедур в {schools_word} "
        "с признаками необъективных результатов с участием независимых общественных наблюдателей",
        "deadline_text": "в период проведения ВПР",
        "result": "Объективность проведения процедуры подтверждена протоколами наблюдателей",
        "document_text": "Протоколы общественных наблюдателей",
    },
    {
        "text": "Перепроверка работ участников ВПР {schools_word}, показавших необъективные "
        "результаты, муниципальной предметной комиссией",
        "deadline_text": "в течение 2 недель после проведения ВПР",
        "result": "Результаты перепроверки; выявленные расхождения в оценивании",
        "document_text": "Протокол перепроверки",
    },
    {
        "text": "Адресная методическая помощь {schools_word} с признаками необъективных "
        "результатов: анализ результатов, разбор критериев оценивания с учителями",
        "deadline_text": "в течение учебного года",
        "result": "Проведены консультации и семинары для учителей",
        "document_text": "План методической помощи, листы регистрации",
    },
    {
        "text": "Персональный контроль руководителей {schools_word} за деятельностью учителей, "
        "результаты обучающихся которых имеют признаки необъективности",
        "deadline_text": "в течение учебного года",
        "result": "Справки по итогам контроля",
        "document_text": "Справка по итогам контроля",
    },
)
FLAG_ORDER_PREFIX = "Обеспечить контроль исполнения мероприятий раздела «Контроль"
FLAG_ORDER_ITEM = (
    "Обеспечить контроль исполнения мероприятий раздела «{title}» дорожной карты "
    "общеобразовательными организациями с признаками необъективных результатов ({schools})."
)


def _all_flagged(measures) -> list:
    """The schools the flag measures are given to (every run fed so far)."""
    schools = {}
    for measure in measures:
        for school in measure.responsible_schools.all():
            schools[school.pk] = school
    return sorted(schools.values(), key=lambda s: s.short_name)


FLAG_SECTION_TITLE = (
    "Контроль общеобразовательных организаций с признаками необъективных результатов ({year})"
)


def _next_section_number(roadmap) -> str:
    """The number after the roadmap's top-level sections' («5.» after «4.»), or
    after the first level of its measure numbers when its sections have none."""
    top = [
        *roadmap.sections.filter(parent__isnull=True).values_list("number", flat=True),
        *roadmap.measures.values_list("number", flat=True),
    ]
    numbers = [int(m.group(1)) for n in top if (m := re.match(r"\s*(\d{1,3})\b", n or ""))]
    return f"{max(numbers, default=0) + 1}."


def flags_into_roadmap(*, run: CheckRun, roadmap, schools, by) -> dict:
    """Put the flagged `schools` of `run` into the municipal `roadmap`: a section
    for the run's year with the seed measures (observers, re-marking, methodical
    help, personal control), each given to exactly those schools, and each of
    their markers answered by those measures. Running it again adds only the
    schools not yet there. Returns counts."""
    from roadmaps.models import Measure, Roadmap, Section
    from roadmaps.services.assignment import assignments_create
    from roadmaps.services.measure import measure_create, measure_update
    from roadmaps.services.roadmap import roadmap_update
    from roadmaps.services.section import section_create

    if roadmap.municipality_id is None or roadmap.school_id is not None:
        raise ValidationError(_("Выберите дорожную карту муниципалитета."))
    if run.status != CheckRun.Status.DONE:
        raise ValidationError(_("Проверка ещё не завершена."))
    if not by.has_perm("roadmaps.edit_roadmap", roadmap) or not by.has_perm(
        "assessments.answer_flag", roadmap
    ):
        raise PermissionDenied(_("Недостаточно прав для изменения этой дорожной карты."))
    if roadmap.status == Roadmap.Status.CLOSED:
        raise ValidationError(_("Дорожная карта закрыта: изменять её нельзя."))
    schools = [s for s in schools if s.municipality_id == roadmap.municipality_id]
    findings = list(
        CheckFinding.objects.filter(run=run, marker=True, school__in=schools).select_related(
            "school"
        )
    )
    flagged = sorted({f.school for f in findings}, key=lambda s: s.short_name)
    if not flagged:
        raise ValidationError(_("Среди выбранных школ нет школ с маркерами в этой проверке."))
    title = FLAG_SECTION_TITLE.format(year=run.year)
    with transaction.atomic():
        section = Section.objects.filter(roadmap=roadmap, title=title).first()
        if section is None:
            section = section_create(
                roadmap=roadmap, title=title, by=by, number=_next_section_number(roadmap)
            )
        prefix = section.number.rstrip(".")
        existing = {
            m.extra.get("flag_measure"): m
            for m in Measure.objects.filter(roadmap=roadmap, section=section)
            if isinstance(m.extra, dict) and "flag_measure" in m.extra
        }
        names = "; ".join(s.short_name for s in flagged)
        measures, added = [], 0
        for index, spec in enumerate(FLAG_MEASURES):
            measure = existing.get(index)
            if measure is None:
                measure = measure_create(
                    roadmap=roadmap,
                    section=section,
                    by=by,
                    # Numbered like the measures around them, so the order can cite them.
                    number=f"{prefix}.{index + 1}." if prefix else "",
                    text=spec["text"].format(schools_word="ОО"),
                    deadline_text=spec["deadline_text"],
                    result=spec["result"],
                    document_text=spec["document_text"],
                    responsible_text=names,
                    for_all_schools=False,
                    responsible_schools=flagged,
                    requires_evidence=True,
                    extra={"flag_measure": index, "run": run.pk},
                )
                added += len(flagged)
            else:
                current = list(measure.responsible_schools.all())
                new = [s for s in flagged if s not in current]
                if new:
                    everyone = sorted(current + new, key=lambda s: s.short_name)
                    measure = measure_update(
                        measure=measure,
                        by=by,
                        version=measure.version,
                        responsible_text="; ".join(s.short_name for s in everyone),
                        responsible_schools=everyone,
                        for_all_schools=False,
                    )
                    added += len(new)
            measures.append(measure)
        assigned = 0
        if roadmap.status != Roadmap.Status.DRAFT:
            assigned = assignments_create(roadmap=roadmap, by=by)
        else:
            # The order is not signed yet: it names the schools, as the seed orders do.
            item = FLAG_ORDER_ITEM.format(
                title=title, schools=", ".join(s.short_name for s in _all_flagged(measures))
            )
            items = [i for i in (roadmap.order_items or []) if not i.startswith(FLAG_ORDER_PREFIX)]
            roadmap_update(roadmap=roadmap, by=by, order_items=[*items, item])
        answered = 0
        for finding in findings:
            for measure in measures:
                answer, created = FlagAnswer.objects.get_or_create(
                    school_id=finding.school_id,
                    procedure_id=finding.procedure_id,
                    measure=measure,
                    defaults={
                        "region_id": finding.region_id,
                        "municipality_id": finding.municipality_id,
                        "kind": FlagAnswer.Kind.MEASURE,
                        "answered_by": by,
                    },
                )
                if created:
                    _answer_record(answer, action="create", by=by)
                answered += created
    return {
        "schools": len(flagged),
        "measures": len(measures),
        "added": added,
        "assignments": assigned,
        "answers": answered,
        "section": section.pk,
    }


# --- official lists --------------------------------------------------------------------------

OFFICIAL_COLUMNS = {
    "year": ("год",),
    "login": ("логин", "логин оо", "логин фис око"),
    "municipality": ("муниципалитет", "муниципальное образование", "мо"),
    "school": ("оо", "наименование оо", "образовательная организация"),
    "count": ("количество маркеров", "кол-во маркеров", "количество"),
}
LABEL_RE = re.compile(r"^\s*(\d{1,2})\s*([А-ЯЁA-Z]{2,3})\s*$", re.IGNORECASE)


def _marker_value(value) -> bool | None:
    """A marker cell: blank or 0 → False, 1 → True; anything else None."""
    if value in (None, ""):
        return False
    text = str(value).strip().replace(",", ".")
    if text in ("0", "0.0"):
        return False
    if text in ("1", "1.0", "+", "да"):
        return True
    return None


def official_list_import(*, source, filename=None, region: Region, by, dry_run=False) -> dict:
    """Read an official list of schools with signs of biased results (all or
    nothing): every login must be a school of `region`, every marker 0/1/blank,
    and the count must equal the markers. The same file again changes nothing.
    Returns {"list": OfficialList | None, "rows", "schools", "years", "labels"}."""
    if not by.has_perm("assessments.run_checks", region):
        raise PermissionDenied(_("Загружать официальные перечни может региональный аналитик."))
    data, filename = read_bytes(source, filename=filename)
    sheets = read_table(io.BytesIO(data), filename=filename)
    problems: list[Problem] = []
    parsed = []
    labels: list[str] = []
    for sheet in sheets:
        index, mapping = find_header_row(sheet.rows, OFFICIAL_COLUMNS, {"year", "login"})
        if index is None:
            continue
        header = sheet.rows[index]
        label_columns = {}
        for col, title in enumerate(header):
            match = LABEL_RE.match(str(title or ""))
            if match and col not in mapping.values():
                label = f"{int(match.group(1))} {match.group(2).upper()}"
                label_columns[col] = label
        if not label_columns:
            problems.append(
                Problem(
                    file=filename,
                    sheet=sheet.name,
                    row=index + 1,
                    message=_("Нет столбцов работ вида «4 РУ», «5 МА»."),
                )
            )
            continue
        labels = sorted(
            set(labels) | set(label_columns.values()), key=lambda t: (int(t.split()[0]), t)
        )
        for offset, row in enumerate(sheet.rows[index + 1 :], start=index + 2):
            cells = list(row) + [None] * (len(header) - len(row))
            if all(c in (None, "") for c in cells):
                continue
            place = {"file": filename, "sheet": sheet.name, "row": offset}
            year_text = str(cells[mapping["year"]] or "").strip()
            try:
                year = int(float(year_text))
                if not 2000 <= year <= 2100:
                    raise ValueError
            except ValueError:
                problems.append(
                    Problem(
                        **place,
                        column=str(header[mapping["year"]]),
                        message=_("Год указан неверно: «%s».") % year_text,
                    )
                )
                continue
            login = str(cells[mapping["login"]] or "").strip().lower()
            if not login:
                problems.append(
                    Problem(
                        **place,
                        column=str(header[mapping["login"]]),
                        message=_("Не указан логин ОО."),
                    )
                )
                continue
            markers = []
            bad = False
            for col, label in label_columns.items():
                value = _marker_value(cells[col])
                if value is None:
                    problems.append(
                        Problem(
                            **place,
                            column=str(header[col]),
                            message=_("Маркер — 1, 0 или пусто, а не «%s».") % cells[col],
                        )
                    )
                    bad = True
                elif value:
                    markers.append(label)
            if bad:
                continue
            if "count" in mapping and cells[mapping["count"]] not in (None, ""):
                try:
                    count = int(float(str(cells[mapping["count"]]).replace(",", ".")))
                except ValueError:
                    count = -1
                if count != len(markers):
                    problems.append(
                        Problem(
                            **place,
                            column=str(header[mapping["count"]]),
                            message=_(
                                "Количество маркеров (%(count)s) не равно отмеченным работам (%(marked)s)."
                            )
                            % {"count": cells[mapping["count"]], "marked": len(markers)},
                        )
                    )
                    continue
            parsed.append((place, year, login, markers))
    if not parsed and not problems:
        problems.append(
            Problem(
                file=filename, message=_("Не найдена строка заголовков «Год», «Логин», «4 РУ»…")
            )
        )
    schools = {
        s.fis_login: s
        for s in School.objects.visible_to(by).filter(
            region=region, fis_login__in={login for _p, _y, login, _m in parsed}
        )
    }
    seen = {}
    unique, warnings = [], []
    for place, year, login, markers in parsed:
        if login not in schools:
            problems.append(
                Problem(
                    **place,
                    column="Логин",
                    message=_("Школа с логином «%(login)s» не найдена в регионе «%(region)s».")
                    % {"login": login, "region": region.name},
                )
            )
        elif (login, year) in seen:
            # Published lists repeat whole blocks: the same row twice is counted
            # once (and said); the same school twice with other markers is an error.
            first_row, first_markers = seen[(login, year)]
            if sorted(first_markers) == sorted(markers):
                warnings.append(
                    Problem(
                        **place,
                        column="Логин",
                        message=_("Строка повторяет строку %(row)s и учтена один раз.")
                        % {"row": first_row},
                    )
                )
            else:
                problems.append(
                    Problem(
                        **place,
                        column="Логин",
                        message=_(
                            "Школа «%(login)s» за %(year)s год уже есть в строке %(row)s "
                            "с другими маркерами."
                        )
                        % {"login": login, "year": year, "row": first_row},
                    )
                )
        else:
            seen[(login, year)] = (place["row"], markers)
            unique.append((place, year, login, markers))
    if problems:
        raise ImportFailed(problems)
    sha256 = hashlib.sha256(data).hexdigest()
    years = sorted({y for _p, y, _l, _m in parsed})
    summary = {
        "rows": len(parsed),
        "entries": len(unique),
        "schools": len({login for _p, _y, login, _m in parsed}),
        "flagged": sum(1 for *_a, m in unique if m),
        "years": years,
        "labels": labels,
        "warnings": warnings,
        "list": None,
    }
    if dry_run:
        return summary
    existing = OfficialList.objects.filter(region=region, sha256=sha256).first()
    if existing is not None:
        summary["list"] = existing
        summary["unchanged"] = True
        return summary
    with transaction.atomic():
        official = OfficialList.objects.create(
            region=region,
            title=_("Перечень ОО с признаками необъективности, %(years)s")
            % {"years": ", ".join(map(str, years))},
            file_name=filename[:255],
            sha256=sha256,
            years=years,
            labels=labels,
            uploaded_by=by,
        )
        OfficialListEntry.objects.bulk_create(
            [
                OfficialListEntry(
                    official_list=official,
                    region_id=region.pk,
                    municipality_id=schools[login].municipality_id,
                    school=schools[login],
                    year=year,
                    markers=markers,
                    count=len(markers),
                )
                for _place, year, login, markers in unique
            ],
            batch_size=1000,
        )
    summary["list"] = official
    return summary
