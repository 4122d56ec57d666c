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

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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
    # The large tables (results, findings): every filter names the region, also a
    # municipality's or a school's (the regions of the reach and those above it), so
    # each query reads one region's range of the indexes and could be routed to one
    # shard when the table is distributed by region (docs/scale.md).
    region_always: bool = False


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
# (The scope stamp is one row of the whole database: a token, no tenant's data.)
GLOBAL_MODELS: frozenset[str] = frozenset(
    {
        "schools.ApiToken",
        "schools.Notification",
        "schools.ReminderPreference",
        "schools.ScopeStamp",
        "schools.TableStamp",
    }
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
    of every role set, the home page and the menus use the same list. Kept in the
    shared cache under the scope stamp that the user's own query read
    (schools.backends, schools.models.ScopeStamp), so a request that finds them there
    reads none; a change to a membership or the tree is a new stamp."""
    if user is None or not user.is_authenticated:
        return []
    holder = _holder(user)
    cache = holder.__dict__.setdefault("_reach_cache", {})
    if "memberships" not in cache:
        cache["memberships"] = _memberships_read(holder)
    return cache["memberships"]


MEMBERSHIPS_CACHE_SECONDS = 3600


def _memberships_key(user_id, token) -> str:
    return f"scope:memberships:{user_id}:{token}"


def _memberships_read(user) -> list:
    from django.core.cache import cache as shared

    from schools.backends import STAMP_ATTRIBUTE, with_stamp
    from schools.models import Membership

    token = user.__dict__.get(STAMP_ATTRIBUTE)
    if token:
        found = shared.get(_memberships_key(user.pk, token))
        if found is not None:
            return found
    # The stamp as this very statement sees it: the rows are kept under it, never
    # under the request's (older) one. A stamp written by a transaction that is rolled
    # back is never seen by anyone else, so its entry is never read.
    memberships = list(
        with_stamp(Membership.objects.filter(user=user)).select_related(
            # The nodes above a school or a municipality too: the home pages read them.
            "region",
            "municipality__region",
            "school__region",
            "school__municipality",
        )
    )
    seen = getattr(memberships[0], STAMP_ATTRIBUTE, None) if memberships else None
    if seen:
        shared.set(_memberships_key(user.pk, seen), memberships, MEMBERSHIPS_CACHE_SECONDS)
    return memberships


def _holder(user):
    """The user object itself, not `request.user`'s lazy wrapper: the wrapper keeps its
    own __dict__, and a cache there is missed by code handed the unwrapped user."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


def visibility_key(user, roles: Iterable[str] | None = None) -> Reach:
    """What `visible_to(user, roles)` makes its filter of, as a hashable value: two users
    of one key get the same SQL from it (infra.sqlmemo keeps compiled SQL under it)."""
    return reach_of(user, roles)


def scope_token(user) -> str | None:
    """The scope stamp's token read with the user's row (schools.backends), or None
    when it was not (another database, a user not read through the session, or after
    `forget_reach`). Every change to a membership, a region, a municipality or a school
    renews it (schools.models.ScopeStamp): a cache key that holds it is fresh for them."""
    from schools.backends import STAMP_ATTRIBUTE

    if user is None or not user.is_authenticated:
        return None
    return _holder(user).__dict__.get(STAMP_ATTRIBUTE)


def forget_reach(user) -> None:
    """Drop the cached reach (after memberships of this user change), and the scope
    stamp read with the user: the rest of the request reads the memberships afresh."""
    from schools.backends import STAMP_ATTRIBUTE

    holder = _holder(user)
    holder.__dict__.pop("_reach_cache", None)
    holder.__dict__.pop(STAMP_ATTRIBUTE, None)


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
    if paths.region_always and paths.region is not None:
        q &= Q(**{f"{paths.region}__in": sorted(reach.regions | reach.regions_above)})
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

    def aggregate_visible_to(self, user, *, level: str):
        """The rows `user` sees, plus every row of the `level` ("region" or
        "municipality") above the user's own nodes: the parent a school or a
        municipality compares its figures with. For aggregate figures (averages,
        counts, fingerprints) and for naming that parent, never for listing its rows.
        The rule is `aggregate_scope`."""
        scope = aggregate_scope(user)
        path = getattr(self.model.scope_paths, level)
        ids = {"region": scope.regions, "municipality": scope.municipalities}[level]
        visible = reach_q(self.model.scope_paths, reach_of(user))
        if scope.everything or path is None or not ids:
            return self.filter(visible)
        return self.filter(visible | Q(**{f"{_path('', path)}__in": sorted(ids)}))

    def aggregate_of(self, node):
        """Every row filed at or below `node` (a region, municipality or school), for
        aggregate figures only: reference tables, fingerprints, a cache filled by a
        task that runs without a user. The caller has decided that the figures may be
        shown (`aggregate_scope`) or that nothing is shown at all."""
        level = type(node).__name__.lower()
        path = getattr(self.model.scope_paths, level)
        if path is None:
            raise TypeError(f"{self.model.__name__} is not filed by {level}")
        lookups = {_path("", path): node.pk}
        paths = self.model.scope_paths
        if paths.region_always and level != "region" and paths.region is not None:
            lookups[_path("", paths.region)] = node.region_id
        return self.filter(**lookups)

    def unowned(self):
        """The rows filed at no node (a federal scale): reference data every region reads."""
        return self.filter(**{f"{_path('', self.model.scope_paths.region)}__isnull": True})

    def of_scoped(self, **lookup):
        """The rows that belong to parents the caller has already read through
        `visible_to` (the tasks of visible procedures, the reports of a visible
        roadmap): `lookup` names those parents. The name is the rule, not a check:
        a reviewer sees that each parent came through `visible_to`."""
        return self.filter(**lookup)

    def get_visible_or_404(self, user, **lookup):
        """One row by `lookup`, or Http404 both when it is missing and when it is out of scope."""
        try:
            return self.visible_to(user).get(**lookup)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def is_tenant_model(model) -> bool:
    return isinstance(getattr(model, "scope_paths", None), ScopePaths)


# --- the named exceptions -------------------------------------------------------------------
#
# `visible_to` is the only filter on tenant rows. The few places that need something
# else go through one of the functions below, each saying what it is for; a static test
# (tests/test_scoping_static.py) fails on any other way in views, API, selectors, report
# builders and dashboards.


def acts_for(user, node, roles: Iterable[str] | None = None) -> bool:
    """Whether `user`'s own memberships (of `roles`, if given) reach `node`: a region,
    municipality, school or any tenant-owned object, or a placement given as a dict of
    `region_id`, `municipality_id`, `school_id`. Rows shared down from above are visible
    but not acted for: use this where a user may build or file something for a node
    only if it is theirs."""
    ids = node if isinstance(node, dict) else node_of(node)
    return reach_of(user, roles).covers(**ids)


@dataclass(frozen=True)
class HomeNodes:
    """The nodes at which a user holds memberships, by level. For choosing where a page
    starts, which levels a user may pick and what a cache key depends on, never to filter
    rows (that is `visible_to`)."""

    everything: bool
    regions: frozenset[int]
    municipalities: frozenset[int]
    schools: frozenset[int]

    @property
    def key(self) -> tuple:
        """The nodes as plain sorted values, for a cache key: two users at home at the
        same nodes read the same figures."""
        return (
            self.everything,
            sorted(self.regions),
            sorted(self.municipalities),
            sorted(self.schools),
        )

    @property
    def levels(self) -> frozenset[str]:
        """The levels the user works at ("region", "municipality", "school"); all for a superuser."""
        if self.everything:
            return frozenset({"region", "municipality", "school"})
        return frozenset(
            level
            for level, ids in (
                ("region", self.regions),
                ("municipality", self.municipalities),
                ("school", self.schools),
            )
            if ids
        )

    def owns_school(self, school_id) -> bool:
        """Whether the user belongs to the school itself (a superuser belongs everywhere)."""
        return self.everything or school_id in self.schools


def home_nodes(user, roles: Iterable[str] | None = None) -> HomeNodes:
    """Where `user` is at home (see HomeNodes)."""
    reach = reach_of(user, roles)
    return HomeNodes(
        everything=reach.everything,
        regions=reach.regions,
        municipalities=reach.municipalities,
        schools=reach.schools,
    )


@dataclass(frozen=True)
class AggregateScope:
    """The regions and municipalities whose aggregate figures (averages, shares, counts)
    `user` may read to compare with: their own nodes and the nodes above them (a school
    compares itself with its municipality and region). Aggregates only: no row of
    another school is shown through this."""

    everything: bool
    regions: frozenset[int]
    municipalities: frozenset[int]


def aggregate_scope(user) -> AggregateScope:
    """The parent nodes whose aggregate figures `user` may compare with (see AggregateScope)."""
    reach = reach_of(user)
    return AggregateScope(
        everything=reach.everything,
        regions=reach.regions | reach.regions_above,
        municipalities=reach.municipalities | reach.municipalities_above,
    )


# --- the nodes a user may pick ---------------------------------------------------------------

_LEVEL_KEYS = {"r": "Region", "m": "Municipality", "s": "School"}


class ScopeNodeField(forms.Field):
    """A choice of one node of the tree among those `user` reaches (through memberships
    of `roles`, if given): regions, municipalities and/or schools, as `levels` says.

    The options are the scoped querysets' rows; the cleaned value is the model
    instance. A value that is not a node, or names one out of the user's reach, is
    refused with the same message (out of scope looks like missing). The value sent
    by the browser is the node's key (`key_of`): «r12», «m34», «s56».
    """

    widget = forms.Select
    default_error_messages = {
        "invalid_choice": gettext_lazy("Выберите вариант из списка: такого здесь нет."),
    }

    def __init__(
        self,
        *,
        user=None,
        roles: Iterable[str] | None = None,
        levels: Iterable[str] = ("region", "municipality"),
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.levels = tuple(levels)
        self.roles = roles
        self.set_user(user)

    def set_user(self, user, roles: Iterable[str] | None = None) -> None:
        """Scope the field to `user` (a form's __init__ knows the user, a field declared on
        the class does not)."""
        self.user = user
        if roles is not None:
            self.roles = roles
        self.widget.choices = self._choices() if user is not None else []

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The options as (key, label) pairs, as a ChoiceField has them."""
        return list(self.widget.choices)

    def _querysets(self):
        from schools.models import Municipality, Region, School

        return {
            "region": ("r", Region.objects.visible_to(self.user, self.roles).order_by("name")),
            "municipality": (
                "m",
                Municipality.objects.visible_to(self.user, self.roles).order_by("name"),
            ),
            "school": (
                "s",
                School.objects.visible_to(self.user, self.roles).order_by("short_name"),
            ),
        }

    def _choices(self) -> list[tuple[str, str]]:
        choices = [] if self.required else [("", "---------")]
        querysets = self._querysets()
        for level in self.levels:
            key, queryset = querysets[level]
            for node in queryset:
                choices.append((f"{key}{node.pk}", self.label_of(node)))
        return choices

    @staticmethod
    def key_of(node) -> str:
        """The value that names `node` in the form («r12», «m34», «s56»)."""
        key = {name: key for key, name in _LEVEL_KEYS.items()}[type(node).__name__]
        return f"{key}{node.pk}"

    @staticmethod
    def label_of(node) -> str:
        if type(node).__name__ == "Region":
            return _("Весь регион: %s") % node.name
        return str(getattr(node, "short_name", None) or node.name)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        key, digits = text[:1], text[1:]
        levels = {"r": "region", "m": "municipality", "s": "school"}
        if key not in levels or levels[key] not in self.levels or not digits.isdigit():
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        queryset = self._querysets()[levels[key]][1]
        if levels[key] != "region":
            queryset = queryset.select_related("region")
        node = queryset.filter(pk=int(digits)).first()
        if node is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return node

    def prepare_value(self, value):
        if isinstance(value, models.Model):
            return self.key_of(value)
        return value


# --- the node that owns a new object ---------------------------------------------------------


class OwnerUnclear(ValidationError):
    """No single node can own the new object: the user must say which."""


def owner_for_new(user, *, roles: Iterable[str] | None = None, school=None, region=None):
    """The (region, municipality, school) ids that own a new object `user` creates.

    A given `school` owns it. Otherwise the user's one home node of the highest level
    (through memberships of `roles`) owns it, within `region` if one is given (a
    procedure's region, say): the region for the region's staff, the municipality
    for a municipality's, the school for a school's. A user with several such nodes,
    or none, must say which: OwnerUnclear, with a message in Russian.
    """
    if school is not None:
        return school.region_id, school.municipality_id, school.pk
    region_id = getattr(region, "pk", region)
    reach = reach_of(user, roles)
    if reach.everything:
        if region_id is None:
            raise OwnerUnclear(_("Укажите, к какому региону это относится: процедуру или школу."))
        return region_id, None, None
    from schools.models import Municipality, School

    if reach.regions:
        regions = sorted(r for r in reach.regions if region_id in (None, r))
        if len(regions) == 1:
            return regions[0], None, None
    elif reach.municipalities:
        municipalities = list(
            Municipality.objects.filter(pk__in=sorted(reach.municipalities))
            .filter(**({"region_id": region_id} if region_id is not None else {}))
            .values_list("region_id", "pk")
        )
        if len(municipalities) == 1:
            return (*municipalities[0], None)
    elif reach.schools:
        schools = list(
            School.objects.filter(pk__in=sorted(reach.schools))
            .filter(**({"region_id": region_id} if region_id is not None else {}))
            .values_list("region_id", "municipality_id", "pk")
        )
        if len(schools) == 1:
            return schools[0]
    raise OwnerUnclear(
        _(
            "Не ясно, от чьего имени это сделать: у вас несколько мест работы или ни одного "
            "подходящего. Выберите школу (или процедуру нужного региона)."
        )
    )
