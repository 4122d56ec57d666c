"""Who is told what when roadmap work moves: an assignment given, a report
submitted, returned or accepted. Called by the services inside their
transaction; the mail goes after commit (schools.notifications)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils.translation import gettext as _

from schools.models import Notification
from schools.notifications import Note, assignment_people, notify, notify_each, reviewers_of

# A notification of many assignments lists this many; the list page has them all.
SHOWN = 5


def _measure_line(measure) -> str:
    return f"{measure.number} {measure.text[:200]}".strip()


def _period(report) -> str:
    return f"{report.period_start:%d.%m.%Y}–{report.period_end:%d.%m.%Y}"


def assignments_given(*, roadmap, assignments, by) -> None:
    """Each person who answers for new assignments gets one notification per roadmap."""
    assignments = [a for a in assignments if a.pk is not None]
    if not assignments:
        return
    people = assignment_people(assignments)
    by_user = defaultdict(list)
    users = {}
    for assignment in assignments:
        for user in people.get(assignment.pk, []):
            users[user.pk] = user
            by_user[user.pk].append(assignment)
    first = min(a.pk for a in assignments)
    batch = []
    for user_id, given in by_user.items():
        given.sort(key=lambda a: (a.measure.section_id or 0, a.measure.position, a.pk))
        if len(given) == 1:
            title = _("Вам поручено мероприятие: %s") % _measure_line(given[0].measure)
            url = reverse("roadmaps:report-create", args=[given[0].pk])
        else:
            title = _("Вам поручены мероприятия дорожной карты: %d") % len(given)
            url = reverse("roadmaps:assignment-list")
        lines = [roadmap.title] + [
            f"— {_measure_line(a.measure)} ({a.assignee})" for a in given[:SHOWN]
        ]
        if len(given) > SHOWN:
            lines.append(_("…и ещё %d") % (len(given) - SHOWN))
        batch.append(
            Note(
                users[user_id],
                Notification.Kind.ASSIGNED,
                f"assigned:{roadmap.pk}:{first}",
                title,
                "\n".join(lines),
                url,
            )
        )
    notify_each(batch, exclude=by)


def report_submitted(*, report, by) -> None:
    """The reviewers learn that a report waits for them."""
    assignment = report.assignment
    measure = assignment.measure
    again = report.previous is not None
    title = (
        _("Отчёт исправлен и снова на проверке: %s") if again else _("Отчёт на проверку: %s")
    ) % _measure_line(measure)
    notify(
        reviewers_of(assignment),
        kind=Notification.Kind.SUBMITTED,
        key=f"submitted:{report.pk}",
        title=title,
        body=_("%(who)s, период %(period)s. %(roadmap)s")
        % {"who": assignment.assignee, "period": _period(report), "roadmap": measure.roadmap.title},
        url=reverse("roadmaps:report-detail", args=[report.pk]),
        exclude=by,
    )


def report_reviewed(*, report, by) -> None:
    """The people of the assignment, and whoever submitted the report, learn the verdict."""
    from roadmaps.models import ProgressReport

    assignment = report.assignment
    measure = assignment.measure
    people = list(assignment_people([assignment]).get(assignment.pk, []))
    if report.submitted_by_id and report.submitted_by not in people:
        people.append(report.submitted_by)
    if report.review_state == ProgressReport.Review.RETURNED:
        kind = Notification.Kind.RETURNED
        title = _("Отчёт возвращён: %s") % _measure_line(measure)
        body = report.review_reason
        url = reverse("roadmaps:report-detail", args=[report.pk])
    else:
        kind = Notification.Kind.ACCEPTED
        title = _("Отчёт принят: %s") % _measure_line(measure)
        body = _("Период %(period)s. %(roadmap)s") % {
            "period": _period(report),
            "roadmap": measure.roadmap.title,
        }
        url = reverse("roadmaps:report-detail", args=[report.pk])
    notify(
        people,
        kind=kind,
        key=f"{kind}:{report.pk}",
        title=title,
        body=body,
        url=url,
        exclude=by,
    )
