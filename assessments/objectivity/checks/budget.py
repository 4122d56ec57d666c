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
   the cohort looks' (`looks_of_year`), so that a school writing all of
   them stays within it over the run; the run reports that per-school rate
   (`school_rate`). A school's markers of the previous years count beside
   one indicator at a threshold of their own, inside the test's budget.

4. Per run, not on average (2.8): the budget is a count of schools, and a
   run keeps within it with a stated probability (`false_alarm_confidence`,
   0.9). Each honest school is alarmed over the run at most at the sum of
   the rates of the tests it is eligible in (a union bound, whatever their
   correlation within the school; for rare alarms of normal evidence it is
   nearly exact) and schools are independent under the null, so the number
   alarmed is below the Poisson-binomial at those rates; `run_rates` spends
   the largest rate per test at which that count keeps within
   floor(budget × eligible schools) in 90 % of runs — about a third of the
   budget for a region of 150 schools — and the same for each kind at its
   cap. A kind too small for one alarm at 2 % is promised none in 90 % of
   runs; a kind whose own rate is below the region's has thresholds of its
   own. The null's own estimation error (each z's centre and spread come
   from the region's schools) is not in that count: the benchmark shows
   the realised counts against the promise.

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


def looks_of_year(procs, params: CheckParams, data=None) -> float:
    """How many tests' budgets a school may spend over the year: each test it
    writes, and for each grade written in two or more subjects whose cohort is
    written again a grade later (in `data`; without it, every such grade) the
    look at the cohort over them (`cohort_look`) at `cohort_look_tests` tests'
    rates. The run's budget divided by it is each test's, so that a school
    writing all of them stays within the budget over the run (see
    `school_rate`)."""
    grades: dict = {}
    for p in procs:
        grades.setdefault((p.instrument, p.year, p.grade), []).append(p)
    read = sum(
        data is None or all(data.find(i, y + 1, g + 1, p.subject) is not None for p in ps)
        for (i, y, g), ps in grades.items()
        if len(ps) >= 2
    )
    return len(procs) + params.cohort_look_tests * read


def school_rate(tests: list[dict], written: dict[str, np.ndarray]) -> float | None:
    """The estimated false-alarm rate of the run per school: over every
    school, the largest sum of the rates of the tests it wrote (`written`:
    label -> whether each school is eligible in it) and of the cohort looks
    at its grades (a union bound: a school's tests are never less than
    independent chances; a look's rate is the one its own null spends).
    None without tests."""
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
            key = (tuple(look["tests"]), look["rate"])
            looks.setdefault(key, []).append(mask)
    if total is None:
        return None
    for (_tests, rate), masks in looks.items():
        total = total + np.where(np.all(masks, axis=0), rate, 0.0)
    return float(total.max()) if len(total) else None


def within(rates: np.ndarray, allowed: int) -> float:
    """P(at most `allowed` of schools alarmed independently at `rates`): the
    Poisson-binomial's distribution, schools of one rate taken together as a
    binomial (a run has a few distinct rates)."""
    from scipy import stats

    rates = np.clip(np.asarray(rates, dtype=np.float64), 0.0, 1.0)
    pmf = np.zeros(allowed + 1)
    pmf[0] = 1.0
    values, counts = np.unique(rates, return_counts=True)
    for p, c in zip(values, counts, strict=True):
        pmf = np.convolve(pmf, stats.binom.pmf(np.arange(allowed + 1), c, p))[: allowed + 1]
    return float(min(1.0, pmf.sum()))


def per_test_rate(weights: np.ndarray, share: float, confidence: float, cap: float) -> float:
    """The largest false-alarm rate per test, at most `cap`, at which schools
    that spend it `weights` times over the run (the tests they are eligible
    in, and their part of the cohort looks) have at most floor(share × their
    number) alarmed in at least `confidence` of runs (see `within`)."""
    weights = np.asarray(weights, dtype=np.float64)
    n = len(weights)
    allowed = int(np.floor(share * n + 1e-9))
    if n == 0 or allowed >= n or within(cap * weights, allowed) >= confidence:
        return cap
    lo, hi = 0.0, cap
    for _ in range(40):
        mid = (lo + hi) / 2
        if within(mid * weights, allowed) >= confidence:
            lo = mid
        else:
            hi = mid
    return lo


def _promise(rates: np.ndarray, share: float) -> dict:
    """What a group of honest schools alarmed independently over the run at
    `rates` is promised: the schools allowed (floor of `share` of them), the
    probability that no more are alarmed (at least), of any alarm (at most),
    the expected number (at most) and the largest rate of one school."""
    n = len(rates)
    allowed = int(np.floor(share * n + 1e-9))
    return {
        "schools": n,
        "allowed": allowed,
        "school_rate": float(rates.max()) if n else 0.0,
        "within": within(rates, allowed) if n else 1.0,
        "any": float(1 - np.prod(1 - rates)) if n else 0.0,
        "expected": float(rates.sum()),
    }


def run_rates(weights: np.ndarray, kinds: np.ndarray, params: CheckParams, looks: float):
    """(per school, the false-alarm rate per test it may spend; the run's
    promise). `weights`: per school, how many tests' rates it spends over the
    run (the tests it is eligible in and its part of the cohort looks; 0: not
    eligible in any, not counted). Schools are independent under the null and
    a school's rate over the run is at most its tests' rates summed whatever
    their correlation, so the number of honest schools alarmed is below the
    Poisson-binomial at those rates; the rate spent is the largest at which,
    with `false_alarm_confidence` (0.9), no more than `false_alarm_budget` of
    the eligible schools are alarmed, and no more than
    `false_alarm_budget_kind` of any kind's (`per_test_rate`). A kind under
    1 / budget_kind schools (50 at 2 %) may not have one alarm: it is
    promised none with that probability, so the smaller the kind, the higher
    its rate. No school spends more than the budget over the run
    (`false_alarm_budget` / `looks` a test). A school spends its kind's rate
    or the region's, whichever is lower. The method cannot tell honest
    schools apart, so the counts are of the eligible schools (manipulated
    ones included): the allowance is as large or a school larger than over
    the honest ones alone."""
    kinds = np.asarray(kinds, dtype=object)
    weights = np.asarray(weights, dtype=np.float64)
    eligible = weights > 0
    conf = params.false_alarm_confidence
    cap = min(params.false_alarm_budget, params.false_alarm_budget_kind) / max(1, looks)
    region = per_test_rate(weights[eligible], params.false_alarm_budget, conf, cap)
    rates = np.full(len(kinds), region)
    by_kind = {}
    for kind in sorted({str(k) for k in kinds[eligible]}):
        members = kinds == kind
        own = per_test_rate(weights[eligible & members], params.false_alarm_budget_kind, conf, cap)
        rates[members] = min(region, own)
        by_kind[kind] = _promise(
            rates[eligible & members] * weights[eligible & members],
            params.false_alarm_budget_kind,
        )
    promise = {
        "confidence": conf,
        **_promise(rates[eligible] * weights[eligible], params.false_alarm_budget),
        "kinds": by_kind,
    }
    return rates, promise


def achieved(promise: dict, marker: np.ndarray, eligible: np.ndarray, kinds) -> None:
    """Put beside the promise what the run did: the eligible schools with a
    marker in any test, of the run and of each kind (`flagged`; manipulated
    ones included, so an upper bound of the honest count)."""
    kinds = np.asarray(kinds, dtype=object)
    hit = np.asarray(marker, bool) & np.asarray(eligible, bool)
    promise["flagged"] = int(hit.sum())
    for kind, row in promise.get("kinds", {}).items():
        row["flagged"] = int((hit & (kinds == kind)).sum())


def strictest(test: dict, key: str) -> float:
    """A test's threshold `key` at its strictest over the school kinds (a
    kind whose own cap is stricter than the region's has its own, see
    `apply`): for readings that decide schools of every kind at once."""
    return max([test[key]] + [k[key] for k in (test.get("kinds") or {}).values()])


def apply(
    columns: list[Column],
    params: CheckParams,
    kinds: np.ndarray,
    n_tests: float,
    label: str = "",
    persisted: np.ndarray | None = None,
    rates: np.ndarray | None = None,
) -> dict | None:
    """Re-decide the counted columns that carry evidence (z) against thresholds
    calibrated to the budget; returns the calibration as the run shows it.
    `persisted`: per school, whether it had markers in the previous years (the
    persistence route's share, see `thresholds`; None: no such route).
    `rates`: per school, the false-alarm rate of the test it may spend (see
    `run_rates`; None: the budget over `n_tests`). A kind whose rate is below
    the region's has thresholds of its own (`kinds` in the result)."""
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
    S = len(zs[0])
    if rates is None:
        budget = min(params.false_alarm_budget, params.false_alarm_budget_kind)
        rates = np.full(S, budget / max(1, n_tests))
    rates = np.asarray(rates, dtype=np.float64)
    R = null_correlation(zs, masks)
    members = np.array([c.name in params.combined for c in usable])
    share = 0.0
    if persisted is not None and PERSISTENCE in params.counted:
        eligible = np.any(np.stack(masks), axis=0)
        if eligible.any():
            share = float(np.mean(np.asarray(persisted)[eligible] >= 1))
    cuts = {}
    for rate in np.unique(rates):
        cuts[float(rate)] = thresholds(
            R,
            groups,
            [c.alone for c in usable],
            members,
            float(rate),
            params.null_draws,
            params.seed,
            params.budget_split,
            share,
            params.persistence_share,
        )
    region_rate = float(rates.max())
    cut = cuts[region_rate]
    per_school = {
        key: np.array([cuts[float(r)][key] for r in rates]) if len(cuts) > 1 else cut[key]
        for key in ("agree_z", "alone_z", "combined_z", "persistence_z")
    }
    t_a, t_s, t_p = per_school["agree_z"], per_school["alone_z"], per_school["persistence_z"]
    for c, z, mask, (centre, unit) in zip(usable, zs, masks, refs, strict=True):
        gate = c.gate if c.gate is not None else True
        c.fired = mask & (z >= t_a) & gate
        floor = np.maximum(t_s, c.alone_floor) if c.alone_floor is not None else t_s
        c.strong = c.fired & (z >= floor) if c.alone else np.zeros(len(z), bool)
        c.supported = c.fired & (z >= t_p)
        if c.threshold_at is not None and np.all(np.isfinite(t_a)):
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                c.threshold = np.asarray(c.threshold_at(centre + t_a * unit), dtype=np.float64)
        c.details = dict(c.details)
        c.details["z"] = z
    if members.any():
        columns.append(_combined_column(usable, zs, masks, members, R, per_school["combined_z"]))
    stricter = {}
    for kind in sorted({str(k) for k in kinds}):
        rate = float(rates[kinds == kind].min())
        if rate < region_rate:
            stricter[kind] = {"budget_per_test": rate, **cuts[rate]}
    return {
        "label": label,
        "budget_per_test": region_rate,
        **cut,
        "kinds": stricter,
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
    t_c = np.broadcast_to(np.asarray(t_c, dtype=np.float64), (S,))
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
        threshold=t_c.copy(),
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
