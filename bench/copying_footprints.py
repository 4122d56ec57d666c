"""The two footprints of copied work in a class, and ways to read them as one
test, outside the method: prints, per kind of planted school and for honest
schools, how many school × test rows reach a z of the alone floor
(`similarity_strong_p`), and the honest rows' tail against the normal's.

    .venv/bin/python bench/copying_footprints.py --seeds 800,801,802

Per class (≥ `min_class` pupils): p₁, identical papers' Poisson p-value
(`similarity`'s), p₂, agreeing pairs' quasi-Poisson p-value
(`pair_similarity`'s); a school's z is its worst class's p times its number of
classes (Bonferroni). Joint readings: Fisher (χ²₄ of −2 ln p₁p₂), Stouffer of
the two z (identical papers' mid-p) with their correlation over the test's
classes, and the best of {Fisher, p₁, p₂} times 3. Second generator only (the
kind of copying that issue #13 misses); never pass the evaluation seeds.
Seeds read so far: 800–811 (objcopy, bench/results/evaluate-budget-dev-objcopy.txt).
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
from assessments.objectivity.checks.indicators.classes import (  # noqa: E402
    _class_pairs_z,
    _score_tables,
)
from bench.second_in_memory import region_data  # noqa: E402
from tests.generators.second import make_region  # noqa: E402

EVALUATION = set(range(981, 986))
NAMES = ("identical", "pairs", "max(both)", "fisher", "stouffer", "best-of-3")


def _z(p):
    return np.clip(stats.norm.isf(np.clip(p, 1e-300, 1.0)), -5.0, 40.0)


def class_p_values(p, params: CheckParams):
    """Per eligible class: (school row, p₁, p₁ mid-p, p₂), as the indicators compute them."""
    cls_idx, C, cls_school, cls_n = ind._classes(p)
    obs, exp, _big = ind._class_pairs(p.scores0, p.primary, cls_idx, C)
    p1 = np.ones(C)
    some = obs > 0
    p1[some] = stats.poisson.sf(obs[some] - 1, exp[some])
    p1_mid = stats.poisson.sf(obs, exp) + 0.5 * stats.poisson.pmf(obs, exp)
    tm = np.asarray(p.res.task_max)
    x = np.minimum(p.scores0, tm[None, :]).astype(np.int64)
    s = x.sum(axis=1)
    pc, pz = _class_pairs_z(
        x, s, cls_idx, C, _score_tables(x, s, tm), params.min_class, params.max_class
    )
    pairs = np.bincount(pc, minlength=C).astype(np.float64)
    ok = pairs > 0
    cut = max(params.pair_z, float(np.quantile(pz[np.isfinite(pz)], params.pair_quantile)))
    hit = np.bincount(pc, weights=pz >= cut, minlength=C)
    share = np.where(ok, hit / np.maximum(pairs, 1), np.nan)
    keep = ok & (share <= np.nanquantile(share[ok], 0.99))
    expected = max(float(hit[keep].sum() / pairs[keep].sum()), 1e-5) * pairs
    pearson = (hit - expected) ** 2 / np.maximum(expected, 1e-9)
    phi = max(1.0, float(pearson[keep & (pearson <= np.quantile(pearson[keep], 0.98))].mean()))
    p2 = np.where(hit > 0, stats.gamma.cdf(expected / phi, a=np.maximum(hit, 1e-9) / phi), 1.0)
    elig = ok & (cls_n >= params.min_class)
    return cls_school[elig], p1[elig], p1_mid[elig], p2[elig]


def school_rows(seed: int, params: CheckParams):
    """{kind: [z per reading]} for the school × test rows of ≥ 20 pupils."""
    region = make_region(seed, schools=240, manipulated=40)
    data = region_data(region)
    truth = {t.school: t for t in region.truth}
    out = defaultdict(list)
    for res in data.results:
        if res.procedure.year != region.target_year:
            continue
        prep = ind.Prepared(res, data.schools)
        school, p1, p1_mid, p2 = class_p_values(prep, params)
        r = max(0.0, float(stats.spearmanr(_z(p1_mid), _z(p2)).statistic))
        fisher = stats.chi2.sf(-2 * (np.log(np.maximum(p1, 1e-300)) + np.log(p2)), 4)
        stouffer = stats.norm.sf((_z(p1_mid) + _z(p2)) / np.sqrt(2 + 2 * r))
        best = np.minimum(1.0, 3 * np.minimum(fisher, np.minimum(p1, p2)))
        for s in np.unique(school):
            if prep.n[s] < 20:
                continue
            mine = school == s
            k = mine.sum()
            zs = [_z(min(1.0, float(v[mine].min()) * k)) for v in (p1, p2)]
            zs.append(max(zs))
            zs += [_z(min(1.0, float(v[mine].min()) * k)) for v in (fisher, stouffer, best)]
            t = truth.get(data.schools.codes[s])
            if t is None:
                kind = "honest"
            elif res.procedure.label in t.tests and region.target_year in t.years and t.changed:
                kind = t.kind
            else:
                kind = "other test"
            out[kind].append(zs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", required=True, help="comma-separated development seeds")
    seeds = [int(s) for s in parser.parse_args().seeds.split(",")]
    if EVALUATION & set(seeds):
        sys.exit("Оценочные зёрна 981–985 не используются при разработке.")
    params = CheckParams()
    floor = float(_z(np.array(params.similarity_strong_p)))
    rows = defaultdict(list)
    for seed in seeds:
        for kind, zs in school_rows(seed, params).items():
            rows[kind].extend(zs)
    print(f"seeds {', '.join(map(str, seeds))}; rows reaching the alone floor z ≥ {floor:.2f}")
    print(f"  {'kind':<11} {'rows':>5} " + " ".join(f"{n:>10}" for n in NAMES))
    for kind in sorted(rows):
        a = np.array(rows[kind])
        print(f"  {kind:<11} {len(a):>5} " + " ".join(f"{v:>10}" for v in (a >= floor).sum(0)))
    h = np.array(rows["honest"])
    print(f"honest rows past z (the normal's expectation first), of {len(h)}")
    for t in (2.5, 3.0, 3.5, 4.0, 4.5):
        print(
            f"  z ≥ {t}: {len(h) * stats.norm.sf(t):7.2f} "
            + " ".join(f"{v:>10}" for v in (h >= t).sum(0))
        )


if __name__ == "__main__":
    main()
