"""Reminders that follow the parsed schedules.

A continuous, on-demand or unparsed measure never nags; a measure with several
due dates reminds once per occurrence; one tied to the assessment calendar
reminds when the calendar gives its date; a done or cancelled one goes quiet.
Each reminder has a key, and a person is told about a key once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from roadmaps.deadlines import Schedule, with_calendar
from roadmaps.models import Assignment, ProgressReport, Roadmap
from schools.models import Membership, Notification, ReminderPreference, Role

HORIZON_DAYS = 7
MULTI_DATE_KINDS = {"dates", "months", "month_range", "quarters", "recurring"}
QUIET_KINDS = {"continuous", "on_demand", "unparsed"}
EVENT_NAMES = {
    "vpr": "ВПР",
    "vpr_control": "ВПР",
    "oge": "ОГЭ",
    "ege": "ЕГЭ",
    "gve": "ГВЭ",
    "niko": "НИКО",
    "rdr": "РДР",
}


@dataclass(frozen=True)
class Reminder:
    kind: str  # Notification.Kind: due_soon or overdue
    assignment: Assignment
    due: date

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.assignment.pk}:{self.due.isoformat()}"


def assessment_calendar(region_ids) -> dict[int, dict[str, list[date]]]:
    """Per region: the dates of each assessment (ВПР, ОГЭ…) from the procedures held there."""
    from assessments.models import Procedure

    calendar: dict[int, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for region_id, instrument, starts_on in Procedure.objects.filter(
        region_id__in=region_ids, starts_on__isnull=False
    ).values_list("region_id", "instrument", "starts_on"):
        name = EVENT_NAMES.get(instrument)
        if name:
            calendar[region_id][name].append(starts_on)
    return calendar


def due_dates(assignment: Assignment, calendar: dict[str, list[date]]) -> list[date]:
    """The due dates of an assignment's measure, with calendar dates for assessment-tied ones."""
    measure = assignment.measure
    if measure.deadline_kind in QUIET_KINDS:
        return []
    if measure.deadline_kind == "event":
        roadmap = measure.roadmap
        schedule = Schedule(
            text=measure.deadline_text,
            kind="event",
            event=measure.deadline_event,
            start=roadmap.period_start,
            end=roadmap.period_end,
        )
        return sorted(with_calendar(schedule, calendar).dates)
    return sorted(measure.due_dates)


def reminders_for(
    assignment: Assignment,
    reports: list[ProgressReport],
    *,
    calendar,
    today: date,
    horizon_days: int = HORIZON_DAYS,
) -> list[Reminder]:
    """What to tell about one assignment on `today`: dates within the horizon, and the overdue one."""
    live = [r for r in reports if r.is_current and r.review_state != ProgressReport.Review.RETURNED]
    if any(r.status == ProgressReport.Status.CANCELLED for r in live):
        return []
    dates = due_dates(assignment, calendar)
    multi = assignment.measure.deadline_kind in MULTI_DATE_KINDS or len(dates) > 1
    done_reports = [r for r in live if r.status == ProgressReport.Status.DONE]
    if not multi and done_reports:
        return []

    def covered(day: date) -> bool:
        return any(r.period_start <= day <= r.period_end for r in done_reports)

    found = []
    soon = [
        d for d in dates if today <= d <= today + timedelta(days=horizon_days) and not covered(d)
    ]
    found.extend(Reminder("due_soon", assignment, d) for d in soon)
    past = [d for d in dates if d < today and not covered(d)]
    if past:
        found.append(Reminder("overdue", assignment, past[-1]))
    return found


def recipients(assignments) -> dict[int, list]:
    """Who answers for each assignment: the school's deputies, or the body's officials."""
    school_ids = {a.school_id for a in assignments if a.school_id}
    municipality_ids = {
        a.municipality_id for a in assignments if not a.school_id and a.municipality_id
    }
    by_school, by_municipality = defaultdict(list), defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.SCHOOL_DEPUTY, school_id__in=school_ids, user__is_active=True
    ).select_related("user"):
        by_school[membership.school_id].append(membership.user)
    for membership in Membership.objects.filter(
        role=Role.MUNICIPAL_OFFICIAL,
        municipality_id__in=municipality_ids,
        school__isnull=True,
        user__is_active=True,
    ).select_related("user"):
        by_municipality[membership.municipality_id].append(membership.user)
    return {
        a.pk: (
            by_school[a.school_id] if a.school_id else by_municipality.get(a.municipality_id, [])
        )
        for a in assignments
    }


def _preferences(users) -> dict[int, ReminderPreference]:
    found = {p.user_id: p for p in ReminderPreference.objects.filter(user__in=users)}
    return {u.pk: found.get(u.pk) or ReminderPreference(user=u) for u in users}


def _notify(user, *, kind, key, title, body, url) -> Notification | None:
    """Create the notification once per key; None when it was already there."""
    try:
        with transaction.atomic():
            return Notification.objects.create(
                user=user, kind=kind, key=key, title=title, body=body, url=url
            )
    except IntegrityError:
        return None


def reminders_send(*, today: date | None = None, region_id: int | None = None) -> dict:
    """The daily job: in-app notifications and one e-mail per person with what is new.
    With `region_id`, that region's only (the daily task runs one per region)."""
    today = today or timezone.localdate()
    assignments = Assignment.objects.filter(
        measure__roadmap__status__in=(Roadmap.Status.APPROVED, Roadmap.Status.IN_FORCE)
    ).select_related("measure__roadmap", "school", "body")
    if region_id is not None:
        assignments = assignments.filter(region_id=region_id)
    assignments = list(assignments)
    reports = defaultdict(list)
    for report in ProgressReport.objects.filter(assignment__in=assignments, is_current=True):
        reports[report.assignment_id].append(report)
    calendars = assessment_calendar({a.region_id for a in assignments})
    people = recipients(assignments)
    users = {u.pk: u for group in people.values() for u in group}
    preferences = _preferences(list(users.values()))
    new_by_user = defaultdict(list)
    for assignment in assignments:
        for reminder in reminders_for(
            assignment,
            reports[assignment.pk],
            calendar=calendars[assignment.region_id],
            today=today,
        ):
            measure = assignment.measure
            due = formats.date_format(reminder.due, "d.m.Y")
            title = (
                _("Срок %(due)s: %(number)s %(text)s")
                if reminder.kind == "due_soon"
                else _("Просрочено с %(due)s: %(number)s %(text)s")
            ) % {"due": due, "number": measure.number, "text": measure.text[:200]}
            for user in people.get(assignment.pk, []):
                preference = preferences[user.pk]
                if not (preference.in_app or preference.email):
                    continue
                created = _notify(
                    user,
                    kind=reminder.kind,
                    key=reminder.key,
                    title=title,
                    body=measure.roadmap.title,
                    url=reverse("roadmaps:report-create", args=[assignment.pk]),
                )
                if created is not None:
                    new_by_user[user.pk].append(created)
    for report in ProgressReport.objects.filter(
        is_current=True, review_state=ProgressReport.Review.RETURNED, assignment__in=assignments
    ).select_related("assignment__measure"):
        for user in people.get(report.assignment_id, []):
            if preferences[user.pk].in_app or preferences[user.pk].email:
                created = _notify(
                    user,
                    kind=Notification.Kind.RETURNED,
                    key=f"returned:{report.pk}",
                    title=_("Отчёт возвращён: %s") % report.assignment.measure,
                    body=report.review_reason,
                    url=reverse("roadmaps:report-detail", args=[report.pk]),
                )
                if created is not None:
                    new_by_user[user.pk].append(created)
    emailed = _email_digests(new_by_user, users, preferences)
    return {"notifications": sum(len(v) for v in new_by_user.values()), "emails": emailed}


def _email_digests(new_by_user, users, preferences) -> int:
    sent = 0
    for user_id, notes in new_by_user.items():
        user = users[user_id]
        if not preferences[user_id].email or not user.email:
            continue
        lines = [f"— {n.title}" for n in notes]
        send_mail(
            subject=_("Дорожные карты: сроки и просрочки (%d)") % len(notes),
            message=_(
                "Здравствуйте!\n\nНовое по вашим мероприятиям:\n%s\n\nОтключить напоминания можно в настройках."
            )
            % "\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
            fail_silently=False,
        )
        Notification.objects.filter(pk__in=[n.pk for n in notes]).update(emailed_at=timezone.now())
        if not preferences[user_id].in_app:
            Notification.objects.filter(pk__in=[n.pk for n in notes]).update(read_at=timezone.now())
        sent += 1
    return sent


def weekly_summary_send(*, today: date | None = None) -> int:
    """Each municipal official: overdue assignments of the municipality's schools, once a week."""
    from roadmaps.selectors import my_assignments

    today = today or timezone.localdate()
    week = today.isocalendar()
    key = f"summary:{week.year}-{week.week:02d}"
    sent = 0
    officials = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.MUNICIPAL_OFFICIAL)
        .distinct()
    )
    preferences = _preferences(list(officials))
    for official in officials:
        if not preferences[official.pk].weekly_summary:
            continue
        overdue = defaultdict(int)
        for row in my_assignments(user=official, today=today):
            if row["overdue"]:
                overdue[row["assignment"].assignee] += 1
        lines = [
            f"— {who}: {n}"
            for who, n in sorted(overdue.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]
        body = "\n".join(lines) if lines else _("Просроченных мероприятий нет.")
        created = _notify(
            official,
            kind=Notification.Kind.SUMMARY,
            key=key,
            title=_("Сводка за неделю: просрочено поручений — %d") % sum(overdue.values()),
            body=body,
            url=reverse("home"),
        )
        if created is not None and official.email:
            send_mail(
                subject=created.title,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[official.email],
            )
            sent += 1
    return sent
