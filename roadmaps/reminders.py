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
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from roadmaps.deadlines import Schedule, with_calendar
from roadmaps.models import Assignment, ProgressReport, Roadmap
from schools.models import Notification, Role

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


def reminder_days() -> tuple[int, ...]:
    """How many days before a due date people are reminded, widest first
    (settings.REMINDER_DAYS: a week and the day before, unless configured)."""
    days = sorted({int(d) for d in settings.REMINDER_DAYS if int(d) >= 0}, reverse=True)
    return tuple(days) or (7,)


@dataclass(frozen=True)
class Reminder:
    kind: str  # Notification.Kind: due_soon or overdue
    assignment: Assignment
    due: date
    threshold: int | None = None  # for due_soon: the reminder window it falls in, in days
    widest: bool = True  # the first reminder of a date keeps the plain key

    @property
    def key(self) -> str:
        key = f"{self.kind}:{self.assignment.pk}:{self.due.isoformat()}"
        return key if self.widest else f"{key}:{self.threshold}d"


def assessment_calendar(region_ids) -> dict[int, dict[str, list[date]]]:
    """Per region: the dates of each assessment (ВПР, ОГЭ…) from the procedures held there."""
    from assessments.results.models import Procedure

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
    thresholds: tuple[int, ...] | None = None,
) -> list[Reminder]:
    """What to tell about one assignment on `today`: each date within a reminder
    window (one reminder per date and window: a week before, then the day
    before), and the overdue one."""
    thresholds = tuple(sorted(thresholds or reminder_days(), reverse=True))
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
        d for d in dates if today <= d <= today + timedelta(days=thresholds[0]) and not covered(d)
    ]
    for day in soon:
        # The narrowest window the date is in: a job that missed the week-before
        # day does not send that reminder late, only the one now due.
        window = min(t for t in thresholds if (day - today).days <= t)
        found.append(
            Reminder("due_soon", assignment, day, threshold=window, widest=window == thresholds[0])
        )
    past = [d for d in dates if d < today and not covered(d)]
    if past:
        found.append(Reminder("overdue", assignment, past[-1]))
    return found


def reminders_send(*, today: date | None = None, region_id: int | None = None) -> dict:
    """The daily job: in-app notifications and one e-mail per person with what is new
    (people who chose the daily digest get it there). With `region_id`, that region's
    only (the daily task runs one per region)."""
    from schools.notifications import Note, assignment_people, notifications_mail, notify_each

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
    people = assignment_people(assignments)
    batch = []
    for assignment in assignments:
        for reminder in reminders_for(
            assignment,
            reports[assignment.pk],
            calendar=calendars[assignment.region_id],
            today=today,
        ):
            measure = assignment.measure
            due = formats.date_format(reminder.due, "d.m.Y")
            left = (reminder.due - today).days
            if reminder.kind == "overdue":
                title = _("Просрочено с %(due)s: %(number)s %(text)s")
            elif reminder.widest:
                title = _("Срок %(due)s: %(number)s %(text)s")
            elif left == 0:
                title = _("Срок сегодня, %(due)s: %(number)s %(text)s")
            elif left == 1:
                title = _("Срок завтра, %(due)s: %(number)s %(text)s")
            else:
                title = _("Срок %(due)s, осталось дней — %(left)d: %(number)s %(text)s")
            title = title % {
                "due": due,
                "left": left,
                "number": measure.number,
                "text": measure.text[:200],
            }
            url = reverse("roadmaps:report-create", args=[assignment.pk])
            batch.extend(
                Note(user, reminder.kind, reminder.key, title, measure.roadmap.title, url)
                for user in people.get(assignment.pk, [])
            )
    created = notify_each(batch, mail=False)
    # This job is already background work: it mails now, one message per person.
    emailed = notifications_mail(ids=[n.pk for n in created])
    return {"notifications": len(created), "emails": emailed}


def weekly_summary_send(*, today: date | None = None) -> int:
    """Each municipal official: overdue assignments of the municipality's schools, once a week."""
    from roadmaps.selectors.assignment import my_assignments
    from schools.notifications import notifications_mail, notify, preferences_of

    today = today or timezone.localdate()
    week = today.isocalendar()
    key = f"summary:{week.year}-{week.week:02d}"
    sent = 0
    officials = (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.MUNICIPAL_OFFICIAL)
        .distinct()
    )
    preferences = preferences_of(officials)
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
        created = notify(
            [official],
            kind=Notification.Kind.SUMMARY,
            key=key,
            title=_("Сводка за неделю: просрочено поручений — %d") % sum(overdue.values()),
            body=body,
            url=reverse("home"),
            mail=False,
        )
        if created:
            sent += notifications_mail(ids=[n.pk for n in created])
    return sent
