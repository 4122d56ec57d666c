"""Thresholds from a false-alarm budget, estimated from the region's own data.

A flag is an accusation: the region sets how many honest schools it accepts
to accuse by chance (`CheckParams.false_alarm_budget`, default 1 % of the
eligible honest schools, and `false_alarm_budget_kind`, 2 % of any school
kind), and the thresholds of the marker rule follow from it for each test:

1. Robust reference by school kind. Every indicator that is a between-school
   deviation has its z re-centred on the median of the school's kind and
   divided by the kind's robust spread (1.4826·MAD, never below 1), when the
   kind has at least `min_schools_per_kind` eligible schools (else the
   region's). A property the whole region or a whole kind shares is then not
   evidence against a school. Exact tests (bunching's bootstrap, similarity,
   marks above the scale) keep their own null.
2. The null: honest schools' evidence as a standard normal vector with the
   correlation the region's indicators show (Spearman, pairwise, over
   eligible schools; rank correlations barely move for a manipulated
   minority), drawn `null_draws` times with a fixed seed.
3. The rule keeps its shape — two indicators (families counting once) past
   the agreement threshold, or one that may stand alone past the strong
   one — and its two thresholds are chosen on the draws: half the budget
   for indicators standing alone, the rest for agreement. The budget per
   test is the run's budget divided by the number of tests of the year and
   the cohort looks' part (`looks_of_year`), so that a school writing all of
   them stays within it over the run; the run reports that per-school rate
   (`school_rate`). A school's markers of the previous years count beside
   one indicator at a threshold of their own, inside the test's budget.

`apply` rewrites the columns' decisions and returns what the run shows: the
budget, the thresholds, the estimated false-alarm rate of the null at them,
and the share of eligible schools of each kind the test flagged (an upper
bound of the honest rate: it counts the manipulated schools too).
"""

from __future__ import annotations

import numpy as np

from .data import COMBINED, PERSISTENCE
from .indicators import Column
from .params import CheckParams


def _ranks(x: np.ndarray) -> np.ndarray:
    from scipy import stats  # on first use: scipy costs a second of start-up

    return stats.rankdata(x)


def null_correlation(zs: list[np.ndarray], masks: list[np.ndarray]) -> np.ndarray:
    """Pairwise Spearman correlations of the columns' z over schools where
    both are eligible and finite, as Pearson correlations of a normal vector
    (2·sin(πρ/6)), made positive semi-definite."""
    K = len(zs)
    R = np.eye(K)
    for a in range(K):
        for b in range(a + 1, K):
            ok = masks[a] & masks[b]
            if ok.sum() < 20:
                continue
            ra, rb = _ranks(zs[a][ok]), _ranks(zs[b][ok])
            if ra.std() == 0 or rb.std() == 0:
                continue
            rho = float(np.corrcoef(ra, rb)[0, 1])
            R[a, b] = R[b, a] = 2 * np.sin(np.pi * rho / 6)
    w, v = np.linalg.eigh(R)
    R = (v * np.maximum(w, 1e-6)) @ v.T
    d = np.sqrt(np.diag(R))
    return R / d[:, None] / d[None, :]


def group_maxima(Z: np.ndarray, groups: list[int]) -> np.ndarray:
    """Per row, each group's largest z (indicators of one family count once)."""
    G = np.full((Z.shape[0], max(groups) + 1), -np.inf)
    for k, g in enumerate(groups):
        G[:, g] = np.fmax(G[:, g], Z[:, k])
    return G


def combined(Z: np.ndarray, members: np.ndarray, R: np.ndarray) -> np.ndarray:
    """The joint evidence of the indicators in `members` (a bool per column):
    their z summed and divided by the sum's null sd (Stouffer with the null's
    correlations), so N(0, 1) for an honest school. A missing z counts 0."""
    if not members.any():
        return np.full(Z.shape[0], -np.inf)
    sd = float(np.sqrt(R[np.ix_(members, members)].sum()))
    return np.nan_to_num(Z[:, members], nan=0.0).sum(axis=1) / sd


def _cut(stat: np.ndarray, free: np.ndarray, room: int) -> float:
    """The smallest threshold at which `stat` flags at most `room` of the
    draws not yet flagged (`free`)."""
    rest = np.sort(stat[free])[::-1]
    if room <= 0 or len(rest) == 0:
        return np.inf
    if room >= len(rest):
        return float(rest[-1])
    # Strictly above the (room+1)-th largest: ties never push past the room.
    return float(np.nextafter(rest[room], np.inf))


def thresholds(
    R: np.ndarray,
    groups: list[int],
    alone: list[bool],
    members: np.ndarray,
    alpha: float,
    draws: int,
    seed: int,
    split: tuple[float, float] = (1 / 3, 1 / 3),
    persisted: float = 0.0,
    persistence_share: float = 0.0,
) -> dict:
    """The rule's thresholds such that it fires on at most `alpha` of the
    null's draws, each route in turn taking its share of `alpha` (`split`: a
    third each by default): an indicator that may stand alone (`alone_z`),
    the joint evidence of inflated results (`combined_z`, see `combined`),
    one group beside a marker of the previous years (`persistence_z`,
    `persistence_share` of `alpha`; see below), and two groups agreeing
    (`agree_z`, taking what the others left). With the estimated rate of the
    null at them.

    Last years' markers are evidence about last years: for a school that has
    them (`persisted`, the share of the test's eligible schools that do —
    manipulated ones included, so at least the honest schools' share) one
    group of this year must pass `persistence_z`, chosen so that the route
    costs `persisted` × its rate on the draws at most its share. Without
    markers in the previous years (or a share of 0) the route takes nothing
    and agreement has its room."""
    K = len(groups)
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((draws, K)) @ np.linalg.cholesky(R).T
    G = group_maxima(Z, groups)
    n_groups = G.shape[1]
    top = G.max(axis=1)
    second = np.sort(G, axis=1)[:, -2] if n_groups >= 2 else np.full(draws, -np.inf)
    M = Z[:, np.array(alone)].max(axis=1) if any(alone) else np.full(draws, -np.inf)
    C = combined(Z, members, R)
    total = int(np.floor(alpha * draws))
    share_alone, share_combined = split[0], split[1]
    free = np.ones(draws, bool)
    t_s = _cut(M, free, int(total * share_alone)) if any(alone) else np.inf
    free &= t_s > M
    t_c = _cut(C, free, int(total * (share_alone + share_combined)) - int((~free).sum()))
    free &= t_c > C
    # The persistence route flags only the share `persisted` of the draws that
    # pass it: its room in draws is its share of the budget over that share.
    t_p, used_p = np.inf, 0
    if persisted > 0 and persistence_share > 0:
        room = int(total * persistence_share)
        t_p = _cut(top, free, int(np.floor(room / persisted)))
        used_p = int(np.ceil(persisted * (free & (top >= t_p)).sum()))
    t_a = _cut(second, free, total - int((~free).sum()) - used_p) if n_groups >= 2 else np.inf
    t_a = min(t_a, t_s)
    # One group past the persistence threshold is also past agreement's (it
    # needs a fired indicator beside the past markers).
    t_p = max(t_p, t_a)
    flagged = (second >= t_a) | (t_s <= M) | (t_c <= C)
    rate = float(np.mean(flagged))
    if np.isfinite(t_p):
        rate += persisted * float(np.mean(~flagged & (top >= t_p)))
    return {
        "agree_z": t_a,
        "alone_z": t_s,
        "combined_z": t_c,
        "persistence_z": t_p,
        "persisted_share": persisted,
        "estimated_rate": rate,
    }


def kind_reference(c: Column, kinds: np.ndarray, params: CheckParams):
    """(centre, unit) per school: the kind's median and robust spread of the
    column's z (the region's where a kind has too few eligible schools), or
    (0, 1) for an exact test. Also the kinds compared with the region."""
    S = len(c.z)
    centre, unit = np.zeros(S), np.ones(S)
    pooled = []
    if not c.recentre:
        return centre, unit, pooled
    z = np.asarray(c.z, dtype=np.float64)
    ok = c.eligible & np.isfinite(z)
    for kind in np.unique(kinds):
        members = kinds == kind
        sel = ok & members
        if sel.sum() < params.min_schools_per_kind:
            if (c.eligible & members).any():
                pooled.append(str(kind))
            continue
        med = float(np.median(z[sel]))
        spread = 1.4826 * float(np.median(np.abs(z[sel] - med)))
        centre[members], unit[members] = med, max(1.0, spread)
    return centre, unit, pooled


def looks_of_year(procs, params: CheckParams) -> float:
    """How many tests' budgets a school may spend over the year: each test it
    writes, and for each grade written in two or more subjects the look at
    the cohort over them (`cohort_look`), which costs at most the combined
    route's share of one test's budget over the grade's looks. The run's
    budget divided by it is each test's, so that a school writing all of them
    stays within the budget over the run (see `school_rate`)."""
    grades: dict = {}
    for p in procs:
        key = (p.instrument, p.year, p.grade)
        grades[key] = grades.get(key, 0) + 1
    share = params.budget_split[1] if len(params.budget_split) > 1 else 0.0
    return len(procs) + sum(share / (n + 1) for n in grades.values() if n >= 2)


def school_rate(tests: list[dict], written: dict[str, np.ndarray]) -> float | None:
    """The estimated false-alarm rate of the run per school: over every
    school, the largest sum of the rates of the tests it wrote (`written`:
    label -> whether each school is eligible in it) and of the cohort looks
    at its grades (a union bound: a school's tests are never less than
    independent chances). None without tests."""
    total = None
    looks: dict = {}
    for t in tests:
        mask = written.get(t["label"])
        if mask is None:
            continue
        rate = np.where(mask, t["estimated_rate"], 0.0)
        total = rate if total is None else total + rate
        look = t.get("cohort_look")
        if look is not None:
            key = (tuple(look["tests"]), look["threshold"])
            looks.setdefault(key, []).append(mask)
    if total is None:
        return None
    from scipy import stats  # on first use: scipy costs a second of start-up

    for (_tests, cut), masks in looks.items():
        total = total + np.where(np.all(masks, axis=0), float(stats.norm.sf(cut)), 0.0)
    return float(total.max()) if len(total) else None


def apply(
    columns: list[Column],
    params: CheckParams,
    kinds: np.ndarray,
    n_tests: float,
    label: str = "",
    persisted: np.ndarray | None = None,
) -> dict | None:
    """Re-decide the counted columns that carry evidence (z) against thresholds
    calibrated to the budget; returns the calibration as the run shows it.
    `persisted`: per school, whether it had markers in the previous years (the
    persistence route's share, see `thresholds`; None: no such route)."""
    if params.thresholds != "budget":
        return None
    kinds = np.asarray(kinds, dtype=object)
    usable = [c for c in columns if c.z is not None and c.name in params.counted]
    if not usable:
        return None
    families = {name: i for i, fam in enumerate(params.families) for name in fam}
    group_of: dict = {}
    groups = [group_of.setdefault(families.get(c.name, c.name), len(group_of)) for c in usable]
    zs, masks, refs, pooled = [], [], [], {}
    for c in usable:
        centre, unit, kinds_pooled = kind_reference(c, kinds, params)
        z = (np.asarray(c.z, dtype=np.float64) - centre) / unit
        zs.append(z)
        masks.append(c.eligible & np.isfinite(z))
        refs.append((centre, unit))
        if kinds_pooled:
            pooled[c.name] = kinds_pooled
    budget = min(params.false_alarm_budget, params.false_alarm_budget_kind)
    alpha = budget / max(1, n_tests)
    R = null_correlation(zs, masks)
    members = np.array([c.name in params.combined for c in usable])
    share = 0.0
    if persisted is not None and PERSISTENCE in params.counted:
        eligible = np.any(np.stack(masks), axis=0)
        if eligible.any():
            share = float(np.mean(np.asarray(persisted)[eligible] >= 1))
    cut = thresholds(
        R,
        groups,
        [c.alone for c in usable],
        members,
        alpha,
        params.null_draws,
        params.seed,
        params.budget_split,
        share,
        params.persistence_share,
    )
    t_a, t_s, t_p = cut["agree_z"], cut["alone_z"], cut["persistence_z"]
    for c, z, mask, (centre, unit) in zip(usable, zs, masks, refs, strict=True):
        gate = c.gate if c.gate is not None else True
        c.fired = mask & (z >= t_a) & gate
        floor = max(t_s, c.alone_floor) if c.alone_floor is not None else t_s
        c.strong = c.fired & (z >= floor) if c.alone else np.zeros(len(z), bool)
        c.supported = c.fired & (z >= t_p)
        if c.threshold_at is not None and np.isfinite(t_a):
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                c.threshold = np.asarray(c.threshold_at(centre + t_a * unit), dtype=np.float64)
        c.details = dict(c.details)
        c.details["z"] = z
    if members.any():
        columns.append(_combined_column(usable, zs, masks, members, R, cut["combined_z"]))
    return {
        "label": label,
        "budget_per_test": alpha,
        **cut,
        "indicators": [c.name for c in usable],
        "kinds_against_region": pooled,
    }


def _combined_column(usable, zs, masks, members, R, t_c) -> Column:
    """The joint evidence of inflated results as a column of its own (see
    `combined`); it raises a marker alone."""
    S = len(zs[0])
    Z = np.stack([np.where(m, z, np.nan) for z, m in zip(zs, masks, strict=True)], axis=1)
    raw = combined(Z, members, R)
    eligible = np.any(np.stack([m for m, k in zip(masks, members, strict=True) if k]), axis=0)
    # Its members' z have units of at least 1 (never narrowed), so the sum is
    # narrower than the null's N(0, 1): it is put on the region's own scale —
    # its median and robust spread over eligible schools (at least 0.5), as
    # every indicator is.
    ok = eligible & np.isfinite(raw)
    med, spread = 0.0, 1.0
    if ok.sum() >= 20:
        med = float(np.median(raw[ok]))
        spread = max(0.5, 1.4826 * float(np.median(np.abs(raw[ok] - med))))
    value = (raw - med) / spread
    fired = eligible & (value >= t_c)
    n = np.max(np.stack([np.asarray(c.n) for c in usable]), axis=0)
    details = {
        f"z_{c.name}": np.where(m, z, np.nan)
        for c, z, m, k in zip(usable, zs, masks, members, strict=True)
        if k
    }
    details["z"] = value
    details["z_sum"] = raw
    return Column(
        COMBINED,
        value=np.where(eligible, value, np.nan),
        reference=np.zeros(S),
        threshold=np.full(S, t_c),
        fired=fired,
        strong=fired,
        n=n,
        details=details,
    )


def flagged_shares(marker: np.ndarray, eligible: np.ndarray, kinds: np.ndarray) -> dict:
    """{kind: [flagged, eligible]} for one test: the achieved rate among
    eligible schools of each kind (manipulated ones included)."""
    kinds = np.asarray(kinds, dtype=object)
    out = {}
    for kind in sorted({str(k) for k in kinds[eligible]}):
        members = eligible & (kinds == kind)
        out[kind] = [int((marker & members).sum()), int(members.sum())]
    return out
