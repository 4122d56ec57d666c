"""The one scoping rule: which part of the region → municipality → school tree
a user reaches, and the queryset filter every tenant-owned model goes through.

A membership at a node reaches that node's whole subtree. Superusers reach
everything. Every tenant-owned model declares, once, the lookups that lead
from a row to its region, municipality and school (`scope_paths`), and uses
`ScopedQuerySet` as its default manager, so `Model.objects.visible_to(user)`
is the only way views, API views, exports, reports and tasks read tenant data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import LazyObject, empty


@dataclass(frozen=True)
class ScopePaths:
    """Lookups from a row to the ids of its region, municipality and school.

    "pk" means the row itself is that node; None means the row does not hang
    below that level (a region-level object has no school).
    """

    region: str | None
    municipality: str | None = None
    school: str | None = None
    # Rows owned by a region or municipality that everyone below may read (a
    # region's procedures and scales, a municipal roadmap its schools follow).
    # Only reading: permissions still need a membership that reaches the row.
    shared_down: bool = False
    # Which of those rows are shared (a Q on this model, asked at query time, so a
    # setting can change it): a draft roadmap stays with its authors, say.
    shared_down_when: Callable[[], Q] | None = None


@dataclass(frozen=True)
class Reach:
    """The nodes a user reaches; each reaches its subtree."""

    everything: bool = False
    regions: frozenset[int] = frozenset()
    municipalities: frozenset[int] = frozenset()
    schools: frozenset[int] = frozenset()
    # The nodes above the user's own: where shared-down rows come from.
    regions_above: frozenset[int] = frozenset()
    municipalities_above: frozenset[int] = frozenset()

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.regions or self.municipalities or self.schools)

    def covers(self, *, region_id, municipality_id=None, school_id=None) -> bool:
        """Whether a node given by its ids lies in this reach."""
        return (
            self.everything
            or (region_id is not None and region_id in self.regions)
            or (municipality_id is not None and municipality_id in self.municipalities)
            or (school_id is not None and school_id in self.schools)
        )


# Models that hold no tenant data: reference data shared by every region, and
# objects private to one user (always filtered by that user). Every other model
# of the product must declare scope_paths (a test enforces it).
GLOBAL_MODELS: frozenset[str] = frozenset(
    {"schools.ApiToken", "schools.Notification", "schools.ReminderPreference"}
)

EVERYTHING = Reach(everything=True)
NOTHING = Reach()


def reach_of(user, roles: Iterable[str] | None = None) -> Reach:
    """The nodes `user` reaches through memberships (optionally only those of `roles`).

    The memberships are read once per user object (one query a request, however many
    role sets the page asks about) and each role set's reach is cached beside them.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    key = tuple(sorted(roles)) if roles is not None else None
    cache = _holder(user).__dict__.setdefault("_reach_cache", {})
    if key not in cache:
        wanted = None if roles is None else set(roles)
        regions, municipalities, schools = set(), set(), set()
        regions_above, municipalities_above = set(), set()
        for membership in memberships_of(user):
            if wanted is not None and membership.role not in wanted:
                continue
            region_id, municipality_id = membership.region_id, membership.municipality_id
            school_id = membership.school_id
            if school_id:
                schools.add(school_id)
                municipalities_above.add(municipality_id)
                regions_above.add(region_id)
            elif municipality_id:
                municipalities.add(municipality_id)
                regions_above.add(region_id)
            elif region_id:
                regions.add(region_id)
        cache[key] = Reach(
            regions=frozenset(regions),
            municipalities=frozenset(municipalities),
            schools=frozenset(schools),
            regions_above=frozenset(regions_above),
            municipalities_above=frozenset(municipalities_above),
        )
    return cache[key]


def memberships_of(user) -> list:
    """The user's memberships with their nodes, read once per user object: the reach
    of every role set, the home page and the menus use the same list."""
    if user is None or not user.is_authenticated:
        return []
    cache = _holder(user).__dict__.setdefault("_reach_cache", {})
    if "memberships" not in cache:
        from schools.models import Membership

        cache["memberships"] = list(
            # The nodes above a school or a municipality too: the home pages read them.
            Membership.objects.filter(user=user).select_related(
                "region",
                "municipality__region",
                "school__region",
                "school__municipality",
            )
        )
    return cache["memberships"]


def _holder(user):
    """The user object itself, not `request.user`'s lazy wrapper: the wrapper keeps its
    own __dict__, and a cache there is missed by code handed the unwrapped user."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def forget_reach(user) -> None:
    """Drop the cached reach (after memberships of this user change)."""
    _holder(user).__dict__.pop("_reach_cache", None)


def bodies_of(user) -> frozenset[int]:
    """The bodies (ИМЦ, РМК, УО…) the user works in, by their memberships (a read-only
    viewer's aside); read from the memberships already loaded (`memberships_of`)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return frozenset(
        m.body_id for m in memberships_of(user) if m.body_id is not None and m.role != "viewer"
    )


def _path(prefix: str, path: str) -> str:
    if path == "pk":
        return prefix or "pk"
    return f"{prefix}__{path}" if prefix else path


def reach_q(paths: ScopePaths, reach: Reach) -> Q:
    """The filter that keeps the rows whose node lies in `reach`."""
    if reach.everything:
        return Q()
    q = Q(pk__in=[])
    for level, ids in (
        ("region", reach.regions),
        ("municipality", reach.municipalities),
        ("school", reach.schools),
    ):
        path = getattr(paths, level)
        if ids and path is not None:
            q |= Q(**{f"{path}__in": sorted(ids)})
    if paths.shared_down:
        shared = _shared_down_q(paths, reach)
        if paths.shared_down_when is not None:
            shared &= paths.shared_down_when()
        q |= shared
    return q


def _shared_down_q(paths: ScopePaths, reach: Reach) -> Q:
    """Rows owned exactly at a node above the user's own nodes."""
    q = Q(pk__in=[])
    below_region = {
        f"{path}__isnull": True for path in (paths.municipality, paths.school) if path is not None
    }
    if reach.regions_above and paths.region is not None:
        q |= Q(**{f"{paths.region}__in": sorted(reach.regions_above)}, **below_region)
    if reach.municipalities_above and paths.municipality is not None:
        below_municipality = {f"{paths.school}__isnull": True} if paths.school is not None else {}
        q |= Q(
            **{f"{paths.municipality}__in": sorted(reach.municipalities_above)},
            **below_municipality,
        )
    return q


def node_of(obj) -> dict[str, int | None]:
    """The region, municipality and school ids of one tenant-owned object."""
    paths: ScopePaths = type(obj).scope_paths
    node = {}
    for level in ("region", "municipality", "school"):
        path = getattr(paths, level)
        if path is None:
            node[f"{level}_id"] = None
            continue
        if path == "pk":
            node[f"{level}_id"] = obj.pk
            continue
        value = obj
        parts = path.split("__")
        for part in parts[:-1]:
            value = getattr(value, part) if value is not None else None
        node[f"{level}_id"] = getattr(value, f"{parts[-1]}_id", None) if value is not None else None
    return node


class ScopedQuerySet(models.QuerySet):
    """Default queryset of every tenant-owned model."""

    def visible_to(self, user, roles: Iterable[str] | None = None):
        """The rows `user` may see (through memberships of `roles`, if given)."""
        return self.filter(reach_q(self.model.scope_paths, reach_of(user, roles)))

    def in_reach(self, user, roles: Iterable[str] | None = None):
        """The rows whose node lies in `user`'s own reach: what `visible_to` gives
        without the rows shared down from above (what the user may act for)."""
        paths = replace(self.model.scope_paths, shared_down=False)
        return self.filter(reach_q(paths, reach_of(user, roles)))

    def get_visible_or_404(self, user, **lookup):
        """One row by `lookup`, or Http404 both when it is missing and when it is out of scope."""
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def is_tenant_model(model) -> bool:
    return isinstance(getattr(model, "scope_paths", None), ScopePaths)
