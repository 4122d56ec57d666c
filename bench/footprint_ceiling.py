"""How far boundary pushing and copied work sit from the honest schools on the
best statistics we can think of for their footprints, outside the method: the
ceiling of recall at a given false-alarm rate (issue #13, the second
generator's boundary and copying kinds).

    .venv/bin/python bench/footprint_ceiling.py --seeds 850,851,852

For every school × test of the checked year with ≥ 20 pupils, labelled honest,
planted with the kind (its planted tests) or "other test" (a planted school's
other tests):

Boundary pushing (counts of primary scores against the region's histogram
tilted to the school, `indicators.bunching`'s Poisson fit, windows left out):
* cur     the bunching column's evidence (z, with its bootstrap), as counted;
* raw     its statistic ½ Σ_b [excess at b − deficit in b−2..b−1] / sd;
* sep     each boundary's own excess − deficit, the best of them, Bonferroni
          over the boundaries;
* opt2/3  the score test of "a share of the pupils in the w points below each
          boundary moved onto it" (w = 2, 3): excess at b weighted by the
          window's expected count over the boundary's, deficit by 1;
* sepopt  opt2 per boundary, the best, Bonferroni;
* cf      raw with the Poisson skewness of its counts taken out (first-order
          Cornish–Fisher; tried in the method by objbnd and reverted);
* cond    the exact conditional test: given each boundary's window total
          (a push keeps it), the count at the boundary is binomial with the
          counterfactual's split; the sum's mid-p (cond3: window of three).
Every raw z is put on the region's scale (median, robust spread, at least 1),
as the method does (`calibrate`).

Copied work (class level, the worst class, Bonferroni over the classes):
* ident   identical papers (`similarity`), runs: identical runs of half the
          test (`identical_runs`, not counted by default), pairs: agreeing
          pairs (`pair_similarity`), and best: the best of the three with the
          multiplicity paid (×3).

Printed: per statistic the honest rows past z 3, 3.5, 4, 4.5 (and the normal's
expectation), the z the honest rows reach at 1 in 1,000 and 1 in 2,000, and
per planted kind the share of rows past those empirical cuts and past fixed z.
The second generator by default, the first with --first; --save writes the
rows (JSON lines) for reading them other ways. Never the evaluation seeds (≥ 900).
Seeds read: 850–861 of the second generator, 850–855 of the first (objbnd,
bench/results/evaluate-budget-dev-objbnd.txt).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from assessments.objectivity.checks import CheckParams  # noqa: E402
from assessments.objectivity.checks import indicators as ind  # noqa: E402
from assessments.objectivity.checks.indicators.base import calibrate  # noqa: E402
from assessments.objectivity.checks.indicators.bunching import _fit_tilt  # noqa: E402
from bench.planted_effects import planted_effects  # noqa: E402
from bench.second_in_memory import region_data  # noqa: E402
from tests.generators.second import make_region  # noqa: E402

BOUNDARY = ("cur", "raw", "sep", "opt2", "opt3", "sepopt", "cf", "cond", "cond3")
COPYING = ("ident", "runs", "pairs", "best")
NAMES = BOUNDARY + COPYING


def _zp(p):
    return np.clip(stats.norm.isf(np.clip(p, 1e-300, 1.0)), -5.0, 40.0)


def _histograms(prep, eligible):
    M = prep.max_score
    rows = np.flatnonzero(eligible)
    sel = eligible[prep.school]
    H = np.bincount(
        np.searchsorted(rows, prep.school[sel]) * (M + 1) + prep.primary[sel],
        minlength=len(rows) * (M + 1),
    ).reshape(len(rows), M + 1)
    return rows, H.astype(np.float64)


def _fit(prep, H, below):
    """The school's counterfactual with `below` points under each boundary and
    the boundary itself left out of the fit."""
    M = prep.max_score
    bins = np.arange(M + 1)
    outside = np.ones(M + 1, bool)
    for b in prep.res.boundaries:
        outside[max(0, b - below) : b + 1] = False
    region = np.bincount(prep.primary, minlength=M + 1).astype(np.float64)
    log_r = np.log((region + 0.5) / (region.sum() + 0.5 * (M + 1)))
    t = (bins - M / 2) / (M / 2)
    X = np.stack([np.ones(M + 1), t, t * t], axis=1)
    mu, _ = _fit_tilt(H, log_r, X, outside)
    return mu


def _z(H, mu, weights):
    """Σ w (O − E) / sqrt(Σ w² E) per row; weights (rows × bins) or (bins,)."""
    w = np.broadcast_to(weights, H.shape)
    sd = np.sqrt((w * w * mu).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((H - mu) * w).sum(axis=1) / sd


def _boundary_weights(prep, mu, below, b, optimal):
    w = np.zeros_like(mu)
    lo = max(0, b - below)
    if optimal:
        w[:, b] = mu[:, lo:b].sum(axis=1) / np.maximum(mu[:, b], 1e-9)
        w[:, lo:b] = -1.0
    else:
        w[:, b] = 0.5
        w[:, lo:b] = -0.5
    return w


def _skew_corrected(H, mu, weights):
    """The raw z with its Poisson skewness taken out (Cornish–Fisher, first
    order): γ = Σ w³ E / sd³; z = x − γ/6 (x² − 1), never below x − |γ|."""
    w = np.broadcast_to(weights, H.shape)
    sd = np.sqrt((w * w * mu).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        x = ((H - mu) * w).sum(axis=1) / sd
        g = (w**3 * mu).sum(axis=1) / sd**3
    return x - g / 6 * (np.clip(x, -4, 4) ** 2 - 1)


def _conditional(H, mu, bounds, below):
    """Pupils at the boundaries out of those at or up to `below` under them,
    against the counterfactual's split: given each boundary's window total m_b
    (a push keeps it), the count at b is Bin(m_b, π_b); their sum's exact
    upper tail (mid-p) as z."""
    out = np.full(H.shape[0], np.nan)
    for r in range(H.shape[0]):
        pmf = np.ones(1)
        x = 0
        for b in bounds:
            lo = max(0, b - below)
            m = int(H[r, lo : b + 1].sum())
            pi = mu[r, b] / max(mu[r, lo : b + 1].sum(), 1e-12)
            pmf = np.convolve(pmf, stats.binom.pmf(np.arange(m + 1), m, pi))
            x += int(H[r, b])
        p = pmf[x + 1 :].sum() + 0.5 * pmf[x]
        out[r] = _zp(p)
    return out


def boundary_stats(prep, params, eligible):
    S = prep.n_schools
    out = {name: np.full(S, np.nan) for name in BOUNDARY}
    if prep.max_score < 6:
        return out
    col = ind.bunching(prep, params)
    out["cur"] = np.asarray(col.z, dtype=np.float64)
    rows, H = _histograms(prep, eligible)
    bounds = [b for b in prep.res.boundaries if 0 < b <= prep.max_score]
    mu2 = _fit(prep, H, 2)
    mu3 = _fit(prep, H, 3)
    raw = _z(H, mu2, sum(_boundary_weights(prep, mu2, 2, b, False) for b in bounds))
    opt2 = _z(H, mu2, sum(_boundary_weights(prep, mu2, 2, b, True) for b in bounds))
    opt3 = _z(H, mu3, sum(_boundary_weights(prep, mu3, 3, b, True) for b in bounds))
    cf = _skew_corrected(H, mu2, sum(_boundary_weights(prep, mu2, 2, b, False) for b in bounds))
    cond = _conditional(H, mu2, bounds, 2)
    cond3 = _conditional(H, mu3, bounds, 3)
    sep = np.stack([_z(H, mu2, _boundary_weights(prep, mu2, 2, b, False)) for b in bounds], 1)
    sepopt = np.stack([_z(H, mu2, _boundary_weights(prep, mu2, 2, b, True)) for b in bounds], 1)
    for name, z in (
        ("raw", raw),
        ("opt2", opt2),
        ("opt3", opt3),
        ("cf", cf),
        ("cond", cond),
        ("cond3", cond3),
    ):
        full = np.full(S, np.nan)
        full[rows] = z
        c, unit = calibrate(full, eligible)
        out[name] = (full - c) / unit
    for name, Z in (("sep", sep), ("sepopt", sepopt)):
        cal = np.full((S, Z.shape[1]), np.nan)
        for k in range(Z.shape[1]):
            full = np.full(S, np.nan)
            full[rows] = Z[:, k]
            c, unit = calibrate(full, eligible)
            cal[:, k] = (full - c) / unit
        best = np.nanmax(cal, axis=1)
        out[name] = _zp(np.minimum(1.0, len(bounds) * stats.norm.sf(best)))
    return out


def copying_stats(prep, params):
    z = [
        np.asarray(f(prep, params).z, dtype=np.float64)
        for f in (ind.similarity, ind.identical_runs, ind.pair_similarity)
    ]
    out = dict(zip(COPYING[:3], z, strict=True))
    best = np.nanmax(np.stack([np.nan_to_num(v, nan=-5.0) for v in z], 1), axis=1)
    out["best"] = _zp(np.minimum(1.0, 3 * stats.norm.sf(best)))
    return out


def seed_rows(seed, params):
    region = make_region(seed, schools=240, manipulated=40)
    honest = make_region(seed, schools=240, manipulated=40, plant=False)
    year = region.target_year
    effects = planted_effects(region, honest, year)
    data = region_data(region)
    truth = {t.school: t for t in region.truth}
    rows = []
    for res in data.results:
        if res.procedure.year != year:
            continue
        prep = ind.Prepared(res, data.schools)
        eligible = prep.n >= params.min_school
        stats_ = {**boundary_stats(prep, params, eligible), **copying_stats(prep, params)}
        label = f"{res.procedure.grade} {'РУ' if res.procedure.subject.startswith('Рус') else 'МА'}"
        for s in np.flatnonzero(eligible):
            code = data.schools.codes[s]
            t = truth.get(code)
            if t is None:
                kind, extra = "honest", ""
            elif label in t.tests and year in t.years and t.changed:
                kind = t.kind
                e = effects[code]
                extra = f"{e.changed}/{e.pupils} moved {e.shift_sd:+.2f} SD"
            else:
                kind, extra = "other test", ""
            rows.append(
                (kind, seed, code, label, int(prep.n[s]), extra, [stats_[n][s] for n in NAMES])
            )
    return rows


def first_seed_rows(seed, params):
    """The same rows on the first generator (tests/generators/first.py)."""
    from tests.generators.first import RegionSpec, generate_region

    region = generate_region(RegionSpec(n_schools=400), seed=seed)
    year = region.target_year
    rows = []
    for res in region.data.results:
        if res.procedure.year != year:
            continue
        prep = ind.Prepared(res, region.data.schools)
        eligible = prep.n >= params.min_school
        stats_ = {**boundary_stats(prep, params, eligible), **copying_stats(prep, params)}
        key = (res.procedure.year, res.procedure.grade, res.procedure.subject)
        for s in np.flatnonzero(eligible):
            t = region.truth.get(int(s))
            if t is None:
                kind = "honest"
            elif key in t.procedures:
                kind = t.kind
            else:
                kind = "other test"
            code = region.data.schools.codes[s]
            label = f"{res.procedure.grade} {res.procedure.subject[:2]}"
            rows.append(
                (kind, seed, code, label, int(prep.n[s]), "", [stats_[n][s] for n in NAMES])
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", required=True, help="comma-separated development seeds")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the planted rows")
    parser.add_argument("--first", action="store_true", help="the first generator instead")
    parser.add_argument("--save", default=None, help="write the rows as JSON lines here")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    verbose = args.verbose
    if any(s >= 900 for s in seeds):
        sys.exit("Оценочные зёрна (900 и выше) не используются при разработке.")
    params = CheckParams()
    rows = []
    for seed in seeds:
        rows.extend((first_seed_rows if args.first else seed_rows)(seed, params))
    if args.save:
        import json

        with open(args.save, "w") as f:
            for kind, seed, code, label, n, extra, zs in rows:
                line = [kind, seed, code, label, n, extra, [float(v) for v in zs]]
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
    by = defaultdict(list)
    for kind, *_rest, zs in rows:
        by[kind].append(zs)
    A = {k: np.nan_to_num(np.array(v, dtype=np.float64), nan=-5.0) for k, v in by.items()}
    h = A["honest"]
    print(f"seeds {', '.join(map(str, seeds))}; school × test rows of ≥ 20 pupils")
    print("  " + " ".join(f"{k}: {len(v)}" for k, v in sorted(A.items())))
    print(f"honest rows past z (the normal's expectation first), of {len(h)}")
    print(f"  {'':<10} {'normal':>7} " + " ".join(f"{n:>7}" for n in NAMES))
    for t in (3.0, 3.5, 4.0, 4.5):
        print(
            f"  z ≥ {t:<5} {len(h) * stats.norm.sf(t):7.2f} "
            + " ".join(f"{v:>7}" for v in (h >= t).sum(0))
        )
    cuts = {}
    for q in (1e-3, 5e-4):
        cuts[q] = np.quantile(h, 1 - q, axis=0)
        print(f"  honest 1-{q:g} {'':>7} " + " ".join(f"{v:>7.2f}" for v in cuts[q]))
    for kind, names in (("boundary", BOUNDARY), ("copying", COPYING)):
        a = A.get(kind)
        if a is None:
            continue
        idx = [NAMES.index(n) for n in names]
        print(f"{kind}: planted rows {len(a)}, share past the cut")
        print(f"  {'cut':<16}" + " ".join(f"{n:>7}" for n in names))
        for q, c in cuts.items():
            print(
                f"  honest 1-{q:<6g} " + " ".join(f"{(a[:, i] > c[i]).mean():>7.2f}" for i in idx)
            )
        for t in (3.5, 4.0, 5.61):
            print(f"  z ≥ {t:<11} " + " ".join(f"{(a[:, i] >= t).mean():>7.2f}" for i in idx))
    if verbose:
        for kind, seed, code, label, n, extra, zs in sorted(rows, key=lambda r: (r[0], r[1])):
            if kind in ("boundary", "copying"):
                names = BOUNDARY if kind == "boundary" else COPYING
                vals = " ".join(f"{n_}={zs[NAMES.index(n_)]:5.2f}" for n_ in names)
                print(f"  {kind:<9} {seed} {code} {label} n={n:<4} {extra:<26} {vals}")


if __name__ == "__main__":
    main()
