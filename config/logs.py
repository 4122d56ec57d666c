"""Structured logs: every line carries the request (or task) id, the user id and the
tenant it ran for, and under production is one JSON object (time, level, logger,
message and those fields), ready for Loki, ELK or `jq`.

The request id comes from the proxy's X-Request-ID when it sends a sane one, else it
is made here; every response carries it back, and gunicorn's access line logs it.
Finding the user and tenant costs no query: they are read only once the view has
loaded them (the user, and the reach `schools.scoping.reach_of` caches on it).
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar("log_context", default=None)
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def tenant_of(user, lazy=None) -> str | None:
    """The nodes the user reaches, as `region:1`, `municipality:4,7`, `school:12` or
    `all`; None while unknown (not computed during this request yet). The reach is
    cached on request.user, the lazy wrapper (`lazy`), or on the user itself."""
    cached = (lazy.__dict__.get("_reach_cache") if lazy is not None else None) or (
        user.__dict__.get("_reach_cache") or {}
    )
    # The reach over all roles when computed, else the one the view asked for.
    # (The same cache holds the user's memberships, under "memberships".)
    reach = cached.get(None) or next(
        (value for value in cached.values() if hasattr(value, "everything")), None
    )
    if reach is None:
        return "all" if getattr(user, "is_superuser", False) else None
    if reach.everything:
        return "all"
    parts = [
        f"{kind}:{','.join(str(i) for i in sorted(ids))}"
        for kind, ids in (
            ("region", reach.regions),
            ("municipality", reach.municipalities),
            ("school", reach.schools),
        )
        if ids
    ]
    return " ".join(parts) or None


def current() -> dict:
    """The fields of the request or task running now (empty outside one)."""
    context = _context.get()
    if not context:
        return {}
    request = context.get("request")
    if request is not None and "tenant" not in context:
        user = request.__dict__.get("user")  # set by AuthenticationMiddleware or DRF
        lazy = user if hasattr(user, "_wrapped") else None
        loaded = lazy._wrapped if lazy is not None else user
        if loaded is not None and not _is_empty(loaded) and loaded.is_authenticated:
            context["user_id"] = loaded.pk
            tenant = tenant_of(loaded, lazy)
            if tenant:
                context["tenant"] = tenant
    return {k: context.get(k) for k in ("request_id", "user_id", "tenant")}


def _is_empty(wrapped) -> bool:
    from django.utils.functional import empty

    return wrapped is empty


class RequestContextFilter(logging.Filter):
    """Adds request_id, user_id and tenant to every record (None outside a request)."""

    def filter(self, record):
        fields = current()
        for name in ("request_id", "user_id", "tenant"):
            if not hasattr(record, name):
                setattr(record, name, fields.get(name))
        return True


class RequestIdMiddleware:
    """Gives each request its id (X-Request-ID in and out) and the log context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Left set until the response is closed (request_finished): Django logs a 4xx
        # or 5xx answer after the middleware has returned.
        _context.set({"request_id": request_id, "request": request})
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def request_finished(**kwargs):
    _context.set(None)


def task_started(task_id=None, task=None, **kwargs):
    """Celery's task_prerun: the task's id is the request id of its log lines."""
    _context.set({"request_id": task_id, "task": getattr(task, "name", None)})


def task_finished(**kwargs):
    _context.set(None)
