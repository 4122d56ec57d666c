"""How each indicator's evidence departs from the standard normal in its upper
tail among honest schools, as the false-alarm budget reads it (issue #13):
the budget's null draws every indicator's z as N(0, 1), so an indicator whose
honest tail is lighter pays for alarms it never raises, and one whose tail is
heavier raises alarms nobody paid for.

    .venv/bin/python bench/indicator_tails.py --seeds 876,877 [--first] [--own-null] [--earlier]

For every test of the checked year the z each counted indicator hands the
budget (after `budget.kind_reference`, as `budget.apply` decides on it) and
the combined evidence, per school × test, labelled honest (a school with
nothing planted), planted (its planted tests, with the kind) or "other test".
Rows of schools eligible in the indicator (≥ 20 pupils). Printed per
indicator: the honest rows past z 3.0, 3.5 and 3.77 (about the budget's
alone threshold in a region of 240 schools) against the normal's
expectation, the z honest rows reach at 1 in 1,000, and the share of planted
rows past the same cuts. Bunching is also shown before it is read with the
school's other tests (`bunching_own`: the calibrated z with the bootstrap's
p, as the column gives it) and as its calibrated z alone (`bunching_zc`).

--own-null: bunching's own null in each test (every eligible school's counts
drawn again from its fitted counterfactual and refitted, as its bootstrap
does), its tail in its own robust spreads against the normal's, beside the
honest schools' z in theirs. --earlier: also the earlier years the run reads
for the persistence route (schools never planted). --param NAME=VALUE: a
CheckParams field for a variant. --save / --load: the rows as JSON lines.
--pool-null: only `pool_bunching` on simulated null z (no region).

The second generator by default, the first with --first. Never the
evaluation seeds (≥ 900). Seeds read: 850–861 and 876–887 of the second
generator, 876–887 of the first, and 894–899 of both once as a hold-out
(objtail, bench/results/evaluate-budget-dev-objtail.txt).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

from assessments.objectivity.checks import CheckParams, budget, check_region, rules  # noqa: E402
from assessments.objectivity.checks.data import BUNCHING, COMBINED  # noqa: E402

CUTS = (3.0, 3.5, 3.77)


class Recorder:
    """Wraps `budget.apply` and `pool_bunching` to keep the z they read."""

    def __init__(self):
        self.rows = []  # (label, indicator, z per school, eligible per school)
        self._apply = budget.apply
        self._pool = rules.pool_bunching
        self._all = rules.all_columns
        self.year = None

    def __enter__(self):
        def apply(columns, params, kinds, *args, **kwargs):
            label = args[1] if len(args) > 1 else kwargs.get("label", "")
            got = self._apply(columns, params, kinds, *args, **kwargs)
            for c in columns:
                z = c.details.get("z") if c.details else None
                if c.name in params.counted or c.name == COMBINED:
                    if z is None or (c.eligible is None and c.name != COMBINED):
                        continue
                    ok = np.isfinite(np.asarray(z, dtype=float))
                    if c.name == COMBINED:
                        ok &= np.isfinite(c.value)
                    if c.eligible is not None:
                        ok &= c.eligible
                    self.rows.append((self.year, label, c.name, np.asarray(z, float), ok))
            return got

        def all_columns(data, year, *args, **kwargs):
            self.year = year  # the checked year, or an earlier one read for persistence
            return self._all(data, year, *args, **kwargs)

        def pool(cols, params):
            for proc, (_prep, columns) in cols.items():
                for c in columns:
                    if c.name == BUNCHING and c.z is not None:
                        ok = c.eligible & np.isfinite(c.z)
                        self.rows.append((proc.year, proc.label, "bunching_own", c.z.copy(), ok))
                        zc = np.asarray(c.details["z"], float)
                        self.rows.append((proc.year, proc.label, "bunching_zc", zc, ok))
            return self._pool(cols, params)

        budget.apply = apply
        rules.pool_bunching = pool
        rules.all_columns = all_columns
        return self

    def __exit__(self, *exc):
        budget.apply = self._apply
        rules.pool_bunching = self._pool
        rules.all_columns = self._all


def own_null_rows(seed: int, data, year: int, params: CheckParams, draws: int = 200) -> list[dict]:
    """Bunching's own null in each test of the checked year: every eligible
    school's counts drawn again from its fitted counterfactual (multinomial,
    the school's size; the region's histogram tilted to the school, windows
    left out, as `indicators.bunching` fits it), refitted as its bootstrap
    does, T / sd per draw. One summary row per test: the draws' median and
    robust spread, and the draws past 3.0, 3.5 and 3.77 spreads above the
    median (the shape of the tail, as `calibrate` would read it)."""
    from assessments.objectivity.checks.indicators.bunching import _fit_tilt

    rng = np.random.default_rng(seed)
    out = []
    for res in data.results:
        if res.procedure.year != year:
            continue
        M = res.max_score
        n = np.bincount(res.school, minlength=len(data.schools))
        eligible = n >= params.min_school
        coef = np.zeros(M + 1)
        for b in res.boundaries:
            coef[max(0, b - params.bunching_window_below) : b] -= 0.5
            coef[b : min(M, b + params.bunching_window_above) + 1] += 0.5
        outside = coef == 0
        region = np.bincount(res.primary, minlength=M + 1).astype(np.float64)
        log_r = np.log((region + 0.5) / (region.sum() + 0.5 * (M + 1)))
        t = (np.arange(M + 1) - M / 2) / (M / 2)
        X = np.stack([np.ones(M + 1), t, t * t], axis=1)
        rows = np.flatnonzero(eligible)
        H = np.zeros((len(rows), M + 1))
        pick = eligible[res.school]
        np.add.at(H, (np.searchsorted(rows, res.school[pick]), res.primary[pick]), 1)
        mu, a = _fit_tilt(H, log_r, X, outside)
        sd = np.sqrt((mu * coef * coef).sum(axis=1))
        probs = mu / mu.sum(axis=1, keepdims=True)
        sims = rng.multinomial(
            np.repeat(H.sum(axis=1).astype(np.int64), draws), np.repeat(probs, draws, axis=0)
        ).astype(np.float64)
        mu_b, _ = _fit_tilt(sims, log_r, X, outside, start=np.repeat(a, draws, axis=0), iters=4)
        zb = ((sims - mu_b) * coef).sum(axis=1) / np.repeat(sd, draws)
        med = float(np.median(zb))
        spread = 1.4826 * float(np.median(np.abs(zb - med)))
        u = (zb - med) / spread
        out.append(
            {
                "seed": seed,
                "year": "checked",
                "test": res.procedure.label,
                "ind": "bunching_null",
                "what": "null",
                "spread": spread,
                "draws": len(u),
                "past": [int((u >= c).sum()) for c in CUTS],
                "q": [float(np.quantile(u, q)) for q in (0.99, 0.995, 0.999)],
            }
        )
    return out


def second_rows(seed: int, params: CheckParams, own_null: bool = False) -> list[dict]:
    from bench.second_in_memory import region_data
    from tests.generators.second import make_region

    region = make_region(seed, schools=240, manipulated=40)
    data = region_data(region)
    with Recorder() as rec:
        check_region(data, region.target_year, params)
    truth = {t.school: t for t in region.truth}
    out = []
    for year, label, name, z, ok in rec.rows:
        earlier = year != region.target_year  # read for the persistence route
        for s in np.flatnonzero(ok):
            code = data.schools.codes[s]
            planted = truth.get(code)
            if planted is None:
                what = "honest"
            elif earlier or planted.changed == 0 or region.target_year not in planted.years:
                what = "void"
            else:
                what = planted.kind if label in planted.tests else "other test"
            out.append(
                {
                    "seed": seed,
                    "year": "earlier" if earlier else "checked",
                    "test": label,
                    "ind": name,
                    "school": code,
                    "what": what,
                    "z": z[s],
                }
            )
    if own_null:
        out += own_null_rows(seed, data, region.target_year, params)
    return out


def first_rows(seed: int, params: CheckParams, own_null: bool = False) -> list[dict]:
    from tests.generators.first import RegionSpec, generate_region

    region = generate_region(RegionSpec(n_schools=400), seed=seed)
    year = region.target_year
    labels = {
        r.procedure.label: (r.procedure.year, r.procedure.grade, r.procedure.subject)
        for r in region.data.results
        if r.procedure.year == year
    }
    with Recorder() as rec:
        check_region(region.data, year, params)
    out = []
    for y, label, name, z, ok in rec.rows:
        earlier = y != year  # read for the persistence route
        for s in np.flatnonzero(ok):
            planted = region.truth.get(int(s))
            if planted is None:
                what = "honest"
            elif earlier:
                what = "void"
            else:
                what = planted.kind if labels.get(label) in planted.procedures else "other test"
            out.append(
                {
                    "seed": seed,
                    "year": "earlier" if earlier else "checked",
                    "test": label,
                    "ind": name,
                    "school": int(s),
                    "what": what,
                    "z": z[s],
                }
            )
    if own_null:
        out += own_null_rows(seed, region.data, year, params)
    return out


def pool_null(schools: int = 400_000, seed: int = 1) -> None:
    """What `pool_bunching` (each test's bunching read with the school's
    strongest other test, two looks paid x2) does to a null: every test's z
    drawn N(0, s²) with correlation rho between a school's tests, through the
    method's own function; the share of the pooled evidence past each cut
    against the normal's, beside the share of the inputs."""
    from assessments.objectivity.checks import Procedure
    from assessments.objectivity.checks.indicators import Column
    from assessments.objectivity.checks.indicators.bunching import pool_bunching

    rng = np.random.default_rng(seed)
    print("pool_bunching on a null (rows past the cut / the normal's expectation):")
    for tests in (2, 4):
        for rho in (0.0, 0.2):
            for s in (1.0, 0.97):
                C = np.full((tests, tests), rho)
                np.fill_diagonal(C, 1.0)
                z_null = s * rng.standard_normal((schools, tests)) @ np.linalg.cholesky(C).T
                cols = {}
                for k in range(tests):
                    col = Column(
                        BUNCHING,
                        value=z_null[:, k].copy(),
                        reference=np.zeros(schools),
                        threshold=np.zeros(schools),
                        fired=np.zeros(schools, bool),
                        strong=np.zeros(schools, bool),
                        n=np.full(schools, 40),
                        z=z_null[:, k].copy(),
                        eligible=np.ones(schools, bool),
                        alone=True,
                        recentre=False,
                    )
                    cols[Procedure("ВПР", 2026, 4 + k // 2, f"S{k}")] = (None, [col])
                pool_bunching(cols, CheckParams())
                out = np.concatenate([c[0].z for _p, c in cols.values()])
                n = len(out)
                cells = "  ".join(
                    f"{t}: {(out >= t).sum() / (n * stats.norm.sf(t)):.2f}"
                    f" (in {(z_null >= t).sum() / (n * stats.norm.sf(t)):.2f})"
                    for t in CUTS
                )
                print(f"  {tests} tests, rho {rho}, inputs N(0, {s}²): {cells}")


def report(rows: list[dict], year: str = "checked") -> None:
    by = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r.get("year", "checked") == year and r["what"] != "null":
            by[r["ind"]][r["what"]].append(r["z"])
    kinds = sorted({r["what"] for r in rows} - {"honest", "other test", "void"})
    print(
        f"{'indicator':<22}{'honest':>7}"
        + "".join(f"{'≥' + str(t):>13}" for t in CUTS)
        + f"{'q999':>7}  planted rows past 3.0/3.5/3.77"
    )
    for name in sorted(by):
        honest = np.asarray(by[name]["honest"])
        n = len(honest)
        cells = "".join(
            f"{int((honest >= t).sum()):>6} /{n * stats.norm.sf(t):>5.1f}" for t in CUTS
        )
        q = float(np.quantile(honest, 0.999)) if n >= 1000 else float("nan")
        planted = []
        for kind in kinds:
            z = np.asarray(by[name][kind])
            if len(z):
                past = "/".join(f"{(z >= t).mean():.2f}" for t in CUTS)
                planted.append(f"{kind} {len(z)}: {past}")
        print(f"{name:<22}{n:>7}{cells}{q:>7.2f}  " + "; ".join(planted))
    print("(each cell: honest rows past the cut / the normal's expectation)")


def report_null(rows: list[dict]) -> None:
    """Bunching's own null (`own_null_rows`) against the honest schools' z."""
    nulls = [r for r in rows if r["ind"] == "bunching_null"]
    if not nulls:
        return
    draws = sum(r["draws"] for r in nulls)
    past = np.sum([r["past"] for r in nulls], axis=0)
    expect = [draws * stats.norm.sf(c) for c in CUTS]
    print(
        f"bunching's own null (multinomial from each school's counterfactual, refitted), "
        f"{len(nulls)} tests, {draws} draws: robust spread of T/sd "
        f"{min(r['spread'] for r in nulls):.2f}-{max(r['spread'] for r in nulls):.2f}; "
        "past the cut in its own spreads above its median / the normal's: "
        + ", ".join(
            f"{c}: {int(p)}/{e:.0f} ({p / e:.2f})"
            for c, p, e in zip(CUTS, past, expect, strict=True)
        )
    )
    q = np.mean([r["q"] for r in nulls], axis=0)
    print(
        "  its quantiles 0.99/0.995/0.999 (mean over tests; the normal's 2.33/2.58/3.09): "
        + "/".join(f"{v:.2f}" for v in q)
    )
    honest = defaultdict(list)
    for r in rows:
        if r["ind"] == "bunching_zc" and r["what"] == "honest" and r.get("year") == "checked":
            honest[(r["seed"], r["test"])].append(r["z"])
    us = []
    for z in honest.values():
        z = np.asarray(z)
        if len(z) >= 20:
            med = np.median(z)
            us.append((z - med) / (1.4826 * np.median(np.abs(z - med))))
    u = np.concatenate(us) if us else np.zeros(0)
    if len(u):
        print(
            f"  honest schools' calibrated z, each test in its own honest spreads ({len(u)} rows): "
            + ", ".join(f"{c}: {int((u >= c).sum())}/{len(u) * stats.norm.sf(c):.1f}" for c in CUTS)
            + "; quantiles "
            + "/".join(f"{np.quantile(u, q):.2f}" for q in (0.99, 0.995, 0.999))
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="")
    parser.add_argument("--first", action="store_true")
    parser.add_argument("--save", default=None)
    parser.add_argument("--load", default=None, help="report saved rows (comma-separated files)")
    parser.add_argument("--param", action="append", default=[], help="NAME=VALUE of CheckParams")
    parser.add_argument("--own-null", action="store_true", help="bunching's own null per test")
    parser.add_argument("--earlier", action="store_true", help="also the earlier years' rows")
    parser.add_argument("--pool-null", action="store_true", help="pool_bunching on a null only")
    args = parser.parse_args()
    if args.pool_null:
        pool_null()
        return
    rows = []
    if args.load:
        for f in args.load.split(","):
            rows += [json.loads(line) for line in Path(f).read_text().splitlines()]
    else:
        seeds = [int(s) for s in args.seeds.split(",")]
        if any(s >= 900 for s in seeds):
            sys.exit("evaluation seeds (≥ 900) are not read here")
        params = replace(
            CheckParams(), **{k: ast.literal_eval(v) for k, v in (a.split("=") for a in args.param)}
        )
        for seed in seeds:
            rows += (first_rows if args.first else second_rows)(seed, params, args.own_null)
        if args.save:
            with open(args.save, "w") as fh:
                for r in rows:
                    fh.write(json.dumps({**r, "z": float(r.get("z", np.nan))}) + "\n")
    print(f"{'first' if args.first else 'second'} generator, seeds {args.seeds}; the checked year")
    report(rows)
    report_null(rows)
    if args.earlier:
        print("the earlier years (read for the persistence route), schools never planted")
        report(rows, "earlier")


if __name__ == "__main__":
    main()
