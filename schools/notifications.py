"""Telling people what concerns them: in-app notifications and e-mail.

`notify` is the one way in. It writes a notification per person once per key
(an event told twice, or a daily job run twice, tells nobody anything twice)
and, after the transaction commits, queues a Celery task that mails the people
who want this kind of event by mail now. People who chose the daily digest get
it from `digest_send` (Celery beat, every morning), which also sends what a
lost task left unmailed.

Who is told about what lives beside each event's service; the helpers here
answer the recurring question "who are the people of this assignment".
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Membership, Notification, ReminderPreference, Role

logger = logging.getLogger(__name__)

# Mail that should have gone at once but did not (the broker was down) goes with
# the next digest once it is this old, so a running task and the digest do not race.
UNSENT_GRACE = timedelta(hours=1)
# Keys looked up and rows written per statement.
CHUNK = 1000
# The digest looks back this far: older unmailed notifications are left alone.
DIGEST_WINDOW = timedelta(days=3)


_local = threading.local()


@contextmanager
def mail_held():
    """Events inside write their notifications but queue no mail (the demo loader:
    building demo data should not write to the demo people)."""
    previous = getattr(_local, "held", False)
    _local.held = True
    try:
        yield
    finally:
        _local.held = previous


def preferences_of(users) -> dict[int, ReminderPreference]:
    """Each user's choices; the defaults for a user who never saved any."""
    users = list(users)
    found = {p.user_id: p for p in ReminderPreference.objects.filter(user__in=users)}
    return {u.pk: found.get(u.pk) or ReminderPreference(user=u) for u in users}


@dataclass(frozen=True)
class Note:
    """One thing to tell one person (see `notify_each`)."""

    user: object
    kind: str
    key: str
    title: str
    body: str = ""
    url: str = ""


def notify(
    users,
    *,
    kind: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    exclude=None,
    mail: bool = True,
) -> list[Notification]:
    """Tell each active user in `users` (except `exclude`) about an event, once per `key`.

    Returns the notifications created now. With `mail`, a task mails them after
    commit to those who want `kind` by mail and not in the daily digest; a
    background job that mails its batch itself passes `mail=False`.
    """
    return notify_each(
        [Note(u, kind, key, title, body, url) for u in users], exclude=exclude, mail=mail
    )


def notify_each(notes, *, exclude=None, mail: bool = True) -> list[Notification]:
    """`notify` for many things at once (a check run's markers, a day's reminders):
    a few queries for the whole batch, and one message per person."""
    wanted = {}
    for note in notes:
        user = note.user
        if user is None or not user.is_active:
            continue
        if exclude is not None and user.pk == exclude.pk:
            continue
        wanted.setdefault((user.pk, note.key[:200]), note)
    if not wanted:
        return []
    preferences = preferences_of({n.user for n in wanted.values()})
    told = set()
    pairs = list(wanted)
    for start in range(0, len(pairs), CHUNK):  # a day's reminders of a big region: thousands
        chunk = pairs[start : start + CHUNK]
        told.update(
            Notification.objects.filter(
                user_id__in={u for u, _k in chunk}, key__in={k for _u, k in chunk}
            ).values_list("user_id", "key")
        )
    now = timezone.now()
    rows = []
    for (user_id, key), note in wanted.items():
        preference = preferences[user_id]
        is_reminder = note.kind in Notification.REMINDER_KINDS
        if (user_id, key) in told or (is_reminder and not (preference.in_app or preference.email)):
            continue
        rows.append(
            Notification(
                user=note.user,
                kind=note.kind,
                key=key,
                title=note.title[:500],
                body=note.body,
                url=note.url,
                # A reminder wanted by mail only does not wait in the list.
                read_at=now if is_reminder and not preference.in_app else None,
            )
        )
    try:
        with transaction.atomic():  # a savepoint: a key told meanwhile leaves the caller intact
            created = Notification.objects.bulk_create(rows, batch_size=CHUNK)
    except IntegrityError:
        created = []
        for row in rows:  # someone told some of them at the same moment: one by one
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:
                continue
            created.append(row)
    unread_changed({row.user_id for row in created if row.read_at is None})
    if mail:
        mail_after_commit(created, preferences=preferences)
    return created


# --------------------------------------------------------------------------- the bell's count
# Every page's bell prints the person's unread count. It is kept in the cache under a
# version per person; every change of their unread notifications (told above, read
# in mark_read, saved or deleted one by one: the signals in schools/apps.py) moves the
# version on, now and again after commit. A count read before a change and written
# after it is kept with the old version, which no longer matches: it is counted again.
UNREAD_SECONDS = 600


def _unread_version_key(user_id) -> str:
    return f"notifications:unread-version:{user_id}"


def unread_count(user) -> int:
    """How many of the user's notifications are unread (the bell's badge).

    The count is kept with the version it was counted at, and both keys are read in
    one round trip (every page shows the bell): a kept count of another version than
    the current one is counted again."""
    version_key, count_key = _unread_version_key(user.pk), f"notifications:unread:{user.pk}"
    found = cache.get_many([version_key, count_key])
    version = found.get(version_key, 0)
    kept = found.get(count_key)
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == version:
        return kept[1]
    count = Notification.objects.filter(user=user, read_at__isnull=True).count()
    cache.set(count_key, (version, count), UNREAD_SECONDS)
    return count


def unread_changed(user_ids) -> None:
    """The unread notifications of these people changed: their next page counts again."""
    keys = [_unread_version_key(pk) for pk in set(user_ids)]
    if not keys:
        return

    def bump():
        for key in keys:
            if not cache.add(key, 1, None):
                try:
                    cache.incr(key)
                except ValueError:  # gone meanwhile, or Redis unreachable
                    cache.set(key, 1, None)

    bump()
    transaction.on_commit(bump)


def mail_after_commit(notes, *, preferences=None) -> None:
    """Queue one mail task, after commit, for `notes` that their people want mailed
    now. An event that tells many things at once (a check run's markers) gathers
    its notifications and calls this once, so each person gets one message."""
    notes = list(notes)
    if not notes or getattr(_local, "held", False):
        return
    preferences = preferences or preferences_of({n.user for n in notes})
    ids = [n.pk for n in notes if _mail_now(preferences[n.user_id], n)]
    if ids:
        transaction.on_commit(lambda: _queue_mail(ids))


def _mail_now(preference: ReminderPreference, note: Notification) -> bool:
    return (
        preference.wants_email(note.kind)
        and not preference.email_digest
        and bool(note.user.email)
        and note.user.is_active
    )


def _queue_mail(ids: list[int]) -> None:
    from infra.jobs import enqueue
    from schools.tasks import send_notification_mail

    if not enqueue(send_notification_mail, ids):
        logger.warning("notification mail not queued; the digest sends it later: %s", ids)


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _message(user, notes: list[Notification], *, digest: bool) -> EmailMessage:
    if len(notes) == 1 and not digest:
        subject = notes[0].title
    elif digest:
        subject = _("Дорожные карты: события за день (%d)") % len(notes)
    else:
        subject = _("Дорожные карты: новые уведомления (%d)") % len(notes)
    parts = []
    for note in notes:
        lines = [f"— {note.title}"]
        if note.body:
            lines.append(note.body)
        if note.url:
            lines.append(_absolute(note.url))
        parts.append("\n".join(lines))
    greeting = _("Здравствуйте, %s!") % (user.get_full_name() or user.username)
    footer = _(
        "Все уведомления: %(url)s\n"
        "Какие события присылать на почту и присылать ли их одним письмом в день, "
        "можно выбрать там же."
    ) % {"url": _absolute("/account/notifications/")}
    text = "\n\n".join([greeting, *parts, footer])
    return EmailMessage(
        subject=subject[:200].replace("\n", " "),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def _send(groups: dict, *, digest: bool) -> int:
    """Mail each user their notifications; a notification is claimed before it is
    sent (so a task run twice mails it once) and released when sending fails."""
    sent = 0
    connection = get_connection()
    for user, notes in groups.items():
        stamp = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at__isnull=True).update(
            emailed_at=stamp
        )
        ids = set(
            Notification.objects.filter(pk__in=[n.pk for n in notes], emailed_at=stamp).values_list(
                "pk", flat=True
            )
        )
        notes = [n for n in notes if n.pk in ids]  # the rest went out from elsewhere meanwhile
        if not notes:
            continue
        try:
            connection.send_messages([_message(user, notes, digest=digest)])
        except Exception:
            Notification.objects.filter(pk__in=ids).update(emailed_at=None)
            raise
        sent += 1
    return sent


def notifications_mail(*, ids) -> int:
    """Mail the given notifications now, one message per person. Returns messages sent."""
    notes = (
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True)
        .select_related("user")
        .order_by("created_at", "pk")
    )
    notes = list(notes)
    preferences = preferences_of({n.user for n in notes})
    groups = defaultdict(list)
    for note in notes:
        if _mail_now(preferences[note.user_id], note):
            groups[note.user].append(note)
    return _send(groups, digest=False)


def digest_send(*, now=None) -> int:
    """The daily digest: one message per person with the unmailed notifications they
    want by mail (digest readers: all of them; the others: what a lost task left)."""
    now = now or timezone.now()
    notes = list(
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__gte=now - DIGEST_WINDOW,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("created_at", "pk")
    )
    preferences = preferences_of({n.user for n in notes})
    groups = defaultdict(list)
    for note in notes:
        preference = preferences[note.user_id]
        if not preference.wants_email(note.kind):
            continue
        if not preference.email_digest and note.created_at > now - UNSENT_GRACE:
            continue
        groups[note.user].append(note)
    return _send(groups, digest=True)


def mark_read(*, user, notification=None) -> int:
    """Mark one of the user's notifications read, or all of them. Returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        qs = qs.filter(pk=notification.pk)
    changed = qs.update(read_at=timezone.now())
    if changed:
        unread_changed([user.pk])
    return changed


# --------------------------------------------------------------------------- who is concerned


def body_members(body_ids) -> dict[int, list]:
    """The active people who work in each body (Membership.body)."""
    found = defaultdict(list)
    for membership in Membership.objects.filter(
        body_id__in=set(body_ids), user__is_active=True
    ).select_related("user"):
        if membership.user not in found[membership.body_id]:
            found[membership.body_id].append(membership.user)
    return found


def assignment_people(assignments) -> dict[int, list]:
    """Who answers for each assignment: the school's deputies; the body's members,
    or, when nobody works there, the officials of the body's municipality; for
    persons named in the text, the officials at the roadmap's level."""
    assignments = list(assignments)
    school_ids = {a.school_id for a in assignments if a.school_id}
    by_school = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.SCHOOL_DEPUTY, school_id__in=school_ids, user__is_active=True
    ).select_related("user"):
        by_school[membership.school_id].append(membership.user)
    members = body_members(a.body_id for a in assignments if a.body_id and not a.school_id)
    municipality_ids = {a.municipality_id for a in assignments if not a.school_id}
    by_municipality = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.MUNICIPAL_OFFICIAL,
        municipality_id__in=municipality_ids - {None},
        school__isnull=True,
        user__is_active=True,
    ).select_related("user"):
        by_municipality[membership.municipality_id].append(membership.user)
    region_ids = {a.region_id for a in assignments if not a.school_id and not a.municipality_id}
    by_region = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.REGIONAL_ANALYST,
        region_id__in=region_ids,
        municipality__isnull=True,
        user__is_active=True,
    ).select_related("user"):
        by_region[membership.region_id].append(membership.user)
    people = {}
    for a in assignments:
        if a.school_id:
            people[a.pk] = by_school[a.school_id]
        elif a.body_id and members.get(a.body_id):
            people[a.pk] = members[a.body_id]
        elif a.municipality_id:
            people[a.pk] = by_municipality[a.municipality_id]
        else:
            people[a.pk] = by_region[a.region_id]
    return people


def reviewers_of(assignment) -> list:
    """Who reviews reports on an assignment: the officials of its municipality, or,
    above municipalities (or where none is appointed), the region's analysts."""
    users = []
    if assignment.municipality_id:
        users = [
            m.user
            for m in Membership.objects.filter(
                role=Role.MUNICIPAL_OFFICIAL,
                municipality_id=assignment.municipality_id,
                school__isnull=True,
                user__is_active=True,
            ).select_related("user")
        ]
    if not users:
        users = [
            m.user
            for m in Membership.objects.filter(
                role=Role.REGIONAL_ANALYST,
                region_id=assignment.region_id,
                municipality__isnull=True,
                user__is_active=True,
            ).select_related("user")
        ]
    return users


def officials_of(*, municipality_ids) -> dict[int, list]:
    """The municipal officials of each municipality."""
    found = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.MUNICIPAL_OFFICIAL,
        municipality_id__in=set(municipality_ids),
        school__isnull=True,
        user__is_active=True,
    ).select_related("user"):
        found[membership.municipality_id].append(membership.user)
    return found


def deputies_of(*, school_ids) -> dict[int, list]:
    found = defaultdict(list)
    for membership in Membership.objects.filter(
        role=Role.SCHOOL_DEPUTY, school_id__in=set(school_ids), user__is_active=True
    ).select_related("user"):
        found[membership.school_id].append(membership.user)
    return found
