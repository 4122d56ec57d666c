"""Reads of the objectivity checks: the stored runs as people read them, and the
region's parameters of the method. The region's results as the method's input
are read in `assessments.objectivity.loading`.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Q
from django.utils.translation import gettext as _

from assessments.objectivity import checks
from assessments.objectivity.models import (
    CheckFinding,
    CheckRun,
    CheckSchool,
    CheckSettings,
    FlagAnswer,
    OfficialListEntry,
)
from assessments.results.models import Instrument
from schools.models import School

# How the product's school kinds read to the method: selective intake is context
# for the level indicator (DOMAIN.md: lyceums and gymnasiums).
SELECTIVE = {
    School.Kind.GYMNASIUM: checks.data.KIND_GYMNASIUM,
    School.Kind.LYCEUM: checks.data.KIND_LYCEUM,
    School.Kind.ADVANCED: checks.data.KIND_GYMNASIUM,
}
CHECKED_INSTRUMENTS = (Instrument.VPR,)
EXTERNAL_INSTRUMENTS = {
    Instrument.OGE: checks.data.EXTERNAL_OGE,
    Instrument.EGE: checks.data.EXTERNAL_EGE,
    Instrument.VPR_CONTROLLED: checks.data.EXTERNAL_OBJECTIVE_VPR,
}
# Instruments whose import changes what a run of their year would find.
RERUN_INSTRUMENTS = (*CHECKED_INSTRUMENTS, *EXTERNAL_INSTRUMENTS)


class ParamsError(ValueError):
    """A region's stored overrides do not fit the method's parameters."""


def check_params(*, region) -> checks.CheckParams:
    """The region's parameters: the method's defaults with the region's overrides."""
    stored = CheckSettings.objects.aggregate_of(region).values_list("overrides", flat=True).first()
    return params_with(stored or {})


def params_with(overrides: dict) -> checks.CheckParams:
    """Defaults with `overrides` (by field name); ParamsError in Russian for a
    name the method does not know or a value of the wrong kind."""
    import dataclasses

    if not isinstance(overrides, dict):
        raise ParamsError(_("Параметры задаются словарём «имя: значение»."))
    fields = {f.name: f for f in dataclasses.fields(checks.CheckParams)}
    defaults = checks.CheckParams()
    clean = {}
    for name, value in overrides.items():
        if name not in fields:
            raise ParamsError(_("Неизвестный параметр проверки: «%s».") % name)
        default = getattr(defaults, name)
        if isinstance(default, bool) or isinstance(value, bool):
            ok = isinstance(value, bool) and isinstance(default, bool)
        elif isinstance(default, int) and not isinstance(default, bool):
            ok = isinstance(value, int)
        elif isinstance(default, float) or default is None:
            ok = value is None or isinstance(value, (int, float))
        elif isinstance(default, tuple):
            ok = isinstance(value, (list, tuple))
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value) if ok else value
        else:
            ok = isinstance(value, type(default))
        if not ok:
            raise ParamsError(_("Параметр «%s»: значение неподходящего вида.") % name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise ParamsError(_("Параметр «%s» не может быть отрицательным.") % name)
        clean[name] = value
    if clean.get("thresholds", defaults.thresholds) not in ("budget", "fixed"):
        raise ParamsError(
            _("Параметр «thresholds»: «budget» (по бюджету ложных тревог) или «fixed».")
        )
    for name in ("false_alarm_budget", "false_alarm_budget_kind"):
        value = clean.get(name, getattr(defaults, name))
        if not 0 < value <= 0.5:
            raise ParamsError(
                _("Параметр «%s»: доля ложных тревог больше 0 и не больше 0,5.") % name
            )
    if not 0.5 <= clean.get("false_alarm_confidence", defaults.false_alarm_confidence) < 1:
        raise ParamsError(
            _(
                "Параметр «false_alarm_confidence»: доля проверок, укладывающихся в бюджет ложных тревог, от 0,5 до 1 (не включая 1)."
            )
        )
    split = clean.get("budget_split", defaults.budget_split)
    if (
        len(split) != 2
        or not all(isinstance(v, (int, float)) and 0 <= v <= 1 for v in split)
        or sum(split) > 1
    ):
        raise ParamsError(
            _(
                "Параметр «budget_split»: две доли бюджета (один признак, совокупность), в сумме не больше 1."
            )
        )
    if clean.get("persistence_share", defaults.persistence_share) + sum(split) > 1:
        raise ParamsError(
            _(
                "Параметр «persistence_share»: доля бюджета для маркеров прошлых лет вместе с «budget_split» не больше 1."
            )
        )
    if not 1000 <= clean.get("null_draws", defaults.null_draws) <= 2_000_000:
        raise ParamsError(_("Параметр «null_draws»: от 1000 до 2 000 000."))
    return dataclasses.replace(defaults, **clean)


# --- stored runs as people read them -----------------------------------------------------


def check_run_list(*, user, year=None):
    runs = CheckRun.objects.visible_to(user).select_related(
        "region", "municipality", "requested_by"
    )
    if year:
        runs = runs.filter(year=year)
    return runs


def check_run_get(*, user, pk) -> CheckRun:
    return CheckRun.objects.select_related("region", "municipality").get_visible_or_404(user, pk=pk)


# A finished run always has finished_at; unfinished ones last keeps SQLite and
# PostgreSQL alike.
NEWEST_FIRST = (F("finished_at").desc(nulls_last=True), "-pk")


def _finished_runs(user, region):
    # Without a user: a task comparing runs of the region it works for.
    runs = (
        CheckRun.objects.aggregate_of(region) if user is None else CheckRun.objects.visible_to(user)
    )
    return runs.filter(region=region, status=CheckRun.Status.DONE).select_related(
        "region", "municipality"
    )


def run_for(*, user, region, year=None, municipality=None) -> CheckRun | None:
    """The finished run people read for a scope: for a municipality the newest of
    its own runs and the region-wide ones, for the region the newest region-wide
    run; of `year`, or else of the latest year checked. Every run compares with
    the whole region, so the newest holds the freshest data. `user` None reads
    beyond any reach (the checks themselves)."""
    runs = _finished_runs(user, region)
    if municipality is not None:
        runs = runs.filter(Q(municipality=municipality) | Q(municipality__isnull=True))
    else:
        runs = runs.filter(municipality__isnull=True)
    if year is not None:
        runs = runs.filter(year=year)
    return runs.order_by("-year", *NEWEST_FIRST).first()


def region_runs(*, user, region, years=None, limit=None, method_version=None) -> dict:
    """{year: the newest finished region-wide run of that year}, for `years` or
    for the latest `limit` years checked, in year order."""
    runs = _finished_runs(user, region).filter(municipality__isnull=True)
    if years is not None:
        runs = runs.filter(year__in=list(years))
    if method_version is not None:
        runs = runs.filter(method_version=method_version)
    out = {}
    for run in runs.order_by("-year", *NEWEST_FIRST):
        if run.year not in out:
            if limit is not None and len(out) == limit:
                break
            out[run.year] = run
    return dict(sorted(out.items()))


def run_schools(*, user, run, municipality=None, flagged_only=False):
    """The run's schools the user sees, with their findings (two queries)."""
    rows = (
        CheckSchool.objects.visible_to(user)
        .filter(run=run)
        .select_related("school", "municipality")
        .order_by("-markers", "municipality__name", "school__short_name")
    )
    if municipality is not None:
        rows = rows.filter(municipality=municipality)
    if flagged_only:
        rows = rows.filter(markers__gt=0)
    return rows


def run_labels(run) -> list[str]:
    """The test columns of a run, as the official lists order them (4 РУ, 4 МА, 5 РУ…)."""
    labels = run.counts.get("labels") or []
    return list(labels)


def finding_list(*, user, run=None, school=None, marker=None):
    findings = CheckFinding.objects.visible_to(user).select_related(
        "school", "municipality", "procedure", "run"
    )
    if run is not None:
        findings = findings.filter(run=run)
    if school is not None:
        findings = findings.filter(school=school)
    if marker is not None:
        findings = findings.filter(marker=marker)
    return findings


def answers_for(*, user, pairs) -> dict:
    """{(school_id, procedure_id): [FlagAnswer]} for the given pairs, in one query."""
    pairs = list(pairs)
    out = defaultdict(list)
    if not pairs:
        return out
    schools = {s for s, _p in pairs}
    procedures = {p for _s, p in pairs}
    answers = (
        FlagAnswer.objects.visible_to(user)
        .filter(school_id__in=schools, procedure_id__in=procedures)
        .select_related("measure", "measure__roadmap", "answered_by")
    )
    for answer in answers:
        out[(answer.school_id, answer.procedure_id)].append(answer)
    return out


def previous_run(*, user, run) -> CheckRun | None:
    """The run of the year before that `run` is compared with, for its scope."""
    return run_for(user=user, region=run.region, year=run.year - 1, municipality=run.municipality)


def previous_year_outcome(*, user, run) -> dict:
    """{(school_id, test label): "cleared" | "persists"} for the flags of the
    latest finished run of the year before `run`, as read in `run`: whether
    each earlier marker is gone this year."""
    earlier = previous_run(user=user, run=run)
    if earlier is None:
        return {}
    before = set(
        CheckFinding.objects.visible_to(user)
        .filter(run=earlier, marker=True)
        .values_list("school_id", "label")
    )
    now = {
        (school, label): marker
        for school, label, marker in CheckFinding.objects.visible_to(user)
        .filter(run=run)
        .values_list("school_id", "label", "marker")
    }
    out = {}
    for key in before:
        if key in now:
            out[key] = "persists" if now[key] else "cleared"
    return out


def official_comparison(*, user, run) -> list[dict]:
    """School by school, the official list's markers for the run's year against
    the run's: [{"school", "official": [labels], "ours": [labels], "agree": bool}]."""
    entries = (
        OfficialListEntry.objects.visible_to(user)
        .filter(region=run.region, year=run.year)
        .select_related("school", "municipality")
        .order_by("official_list__uploaded_at")
    )
    official = {}
    for entry in entries:  # the latest list wins for a school
        official[entry.school_id] = (entry.school, set(entry.markers))
    if not official:
        return []  # no official list for this year: nothing to compare with
    ours = {}
    for row in run_schools(user=user, run=run):
        ours[row.school_id] = (row.school, set(row.marker_labels))
    out = []
    for school_id in sorted(set(official) | set(ours)):
        school, off = official.get(school_id, (None, set()))
        school2, our = ours.get(school_id, (None, set()))
        if not off and not our:
            continue
        out.append(
            {
                "school": school or school2,
                "official": sorted(off),
                "ours": sorted(our),
                "both": sorted(off & our),
                "agree": off == our,
            }
        )
    out.sort(key=lambda r: (r["agree"], r["school"].short_name))
    return out


def finding_evidence(*, user, finding) -> dict:
    """The charts that show a flag: the school's primary-score histogram beside
    the region's (the spike at a boundary), basic against advanced and high
    tasks (the difficulty profile), the journal agreement, and the years of the
    same test. Read through the analytic tables, so small groups stay
    suppressed exactly as on the analytic pages."""
    from assessments.analytics import charts as analytic_charts
    from assessments.analytics import selectors as analytics
    from infra.output import charts

    page = analytics.analytics_page(
        user=user,
        procedure=finding.procedure,
        level=analytics.LEVEL_SCHOOL,
        school=finding.school,
    )
    groups = list(page.tables.levels.values())
    out = {"histograms": [], "profile": "", "easy_hard": "", "journal": "", "dynamics": ""}
    if groups:
        out["histograms"] = [
            analytic_charts.histogram_chart(g) for g in (groups[0], groups[-1]) if g
        ]
        if len(groups) == 1:
            out["histograms"] = out["histograms"][:1]
        out["profile"] = analytic_charts.task_profile_chart(page.tables)
        out["journal"] = analytic_charts.agreement_chart(page.tables)
    inversion = next((i for i in finding.indicators if i["name"] == checks.data.INVERSION), None)
    details = (inversion or {}).get("details") or {}
    if details.get("basic_success") is not None:
        out["easy_hard"] = charts.grouped_bars(
            [_("Базовые задания"), _("Повышенные и высокие")],
            {
                finding.school.short_name: [
                    details.get("basic_success"),
                    details.get("hard_success"),
                ],
                _("Регион"): [
                    details.get("region_basic_success"),
                    details.get("region_hard_success"),
                ],
            },
            title=_("Выполнение лёгких и трудных заданий"),
        )
    if page.dynamics is not None and len(page.dynamics.rows) > 1:
        out["dynamics"] = analytic_charts.dynamics_chart(page.dynamics)
    return out
