"""How far lenient marking (and a cohort's spike) of the second generator sits
from the honest schools of its kind on each footprint, outside the method:
is recall 0.9 reachable at 1 % false alarms at all, and on which statistic?

    .venv/bin/python bench/lenient_ceiling.py --seeds 820,821,822

For every test of the checked year, per pupil a residual whose region mean
is 0 given what the pupil brings (the region's own tables, no model):

* journal: the standardised primary score minus the region's mean for the
  pupil's journal mark (the school's mean then against the region's robust
  line on the school's mean journal mark: strong schools mark harder);
* blanks: blanks among the cells the pupil did not score on, against the
  region's chance given the task and the pupil's total;
* zeros: attempted zeros against the region's chance given task and total
  (lenient marking lifts a wrong attempt; read negatively);
* partial: on multi-point tasks, full marks against the region's chance
  given task and total;
* hard: points on the tasks the region finds hard (weight: the task's
  region share of the maximum, centred, negated) against pupils of the same
  total;
* misfit: the pupil's squared residuals over the tasks (given the total)
  against the region's pupils of the same total.

A group's (school's, class's) z is the residuals' sum over the root of their
null variance, put on the region's scale (median, 1.4826·MAD over the
groups; schools against their own method kind). Stouffer sums of some of
them, over their correlation among honest-looking groups (all groups: the
planted are few), are printed beside.

The ceiling: per statistic, the z at which 1 % of the honest eligible
schools (≥ 20 pupils in the test) are above it, read over their worst test
of the year (the oracle threshold, knowing which schools are honest), and
the share of planted schools of the kind above it over their planted tests.
A school's class-level look is its worst class (≥ 10 pupils), Bonferroni
over its classes. Beside them the method's own indicators' z
for the same schools (`method:`; `method:marker` is 10 where the test has a
marker: its row reads the method's recall and false alarms).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from scipy import stats  # noqa: E402

STATS = ("journal", "blanks", "zeros", "partial", "hard", "misfit")
# Stouffer sums printed beside; "zeros" is read with its sign turned.
COMBOS = {
    "journal+blanks": ("journal", "blanks"),
    "journal+blanks+zeros-": ("journal", "blanks", "-zeros"),
    "journal+blanks+hard": ("journal", "blanks", "hard"),
    "journal+blanks+hard+misfit": ("journal", "blanks", "hard", "misfit"),
    "blanks+zeros-": ("blanks", "-zeros"),
    "all": ("journal", "blanks", "-zeros", "partial", "hard", "misfit"),
}
MIN_SCHOOL, MIN_CLASS = 20, 10


def conditional(values: np.ndarray, s: np.ndarray, where: np.ndarray, prior_weight=2.0):
    """E[values | total, task] over `where` cells, shrunk to the task's mean."""
    T = values.shape[1]
    key = s[:, None] * T + np.arange(T)[None, :]
    size = (int(s.max()) + 1) * T
    n = np.bincount(key[where], minlength=size)
    k = np.bincount(key[where], weights=values[where], minlength=size)
    task = (values * where).sum(axis=0) / np.maximum(where.sum(axis=0), 1)
    prior = np.tile(task, int(s.max()) + 1)
    return ((k + prior_weight * prior) / (n + prior_weight))[key]


def pupil_residuals(res) -> dict:
    """{stat: (value, variance)} per pupil of one test (see the docstring)."""
    x = np.asarray(res.scores)
    xs = np.clip(x, 0, None).astype(np.float64)
    m = np.asarray(res.task_max)
    s = xs.sum(axis=1).astype(np.int64)
    all_cells = np.ones_like(x, bool)
    out = {}
    # journal
    j = np.asarray(res.journal)
    has = j > 0
    z = (s - s[has].mean()) / (s[has].std() or 1.0)
    cnt = np.bincount(j[has], minlength=6).astype(float)
    e1 = np.bincount(j[has], weights=z[has], minlength=6) / np.maximum(cnt, 1)
    e2 = np.bincount(j[has], weights=z[has] ** 2, minlength=6) / np.maximum(cnt, 1)
    var = np.maximum(e2 - e1**2, 1e-6)
    out["journal"] = (np.where(has, z - e1[j], np.nan), np.where(has, var[j], np.nan))
    # blanks among failed cells
    failed, blank = x <= 0, x < 0
    pe = conditional(blank.astype(float), s, failed)
    out["blanks"] = (
        ((blank - pe) * failed).sum(axis=1),
        (pe * (1 - pe) * failed).sum(axis=1),
    )
    zero = x == 0
    p0 = conditional(zero.astype(float), s, all_cells)
    out["zeros"] = ((zero - p0).sum(axis=1), (p0 * (1 - p0)).sum(axis=1))
    multi = m >= 2
    full = (x == m[None, :]).astype(float)
    if multi.any():
        pf = conditional(full, s, all_cells)
        out["partial"] = (
            ((full - pf) * multi).sum(axis=1),
            (pf * (1 - pf) * multi).sum(axis=1),
        )
    ex = conditional(xs, s, all_cells)
    ex2 = conditional(xs**2, s, all_cells)
    vx = np.maximum(ex2 - ex**2, 1e-3)
    share = xs.sum(axis=0) / (m * len(x))
    w = -(share - share.mean())
    w = w / (np.sqrt((w**2).mean()) or 1.0)
    out["hard"] = (((xs - ex) * w[None, :] / m[None, :]).sum(axis=1), None)
    fit = ((xs - ex) ** 2 / vx).sum(axis=1)
    e_fit = conditional(fit[:, None], s, np.ones((len(s), 1), bool))[:, 0]
    out["misfit"] = (fit - e_fit, None)
    # Where no variance is known: the region's variance given the total.
    for name in ("hard", "misfit"):
        v, _ = out[name]
        v2 = conditional((v**2)[:, None], s, np.ones((len(s), 1), bool))[:, 0]
        out[name] = (v, np.maximum(v2, 1e-6))
    return out


def group_z(values, variances, groups, count, ok_groups, kinds=None):
    """Per group: sum of residuals over root of summed variance, calibrated on
    `ok_groups` (per kind when given)."""
    good = np.isfinite(values) & np.isfinite(variances)
    v = np.bincount(groups[good], weights=values[good], minlength=count)
    var = np.bincount(groups[good], weights=variances[good], minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = v / np.sqrt(var)
    z[~np.isfinite(z)] = np.nan
    out = np.full(count, np.nan)
    for kind in np.unique(kinds) if kinds is not None else [None]:
        members = np.ones(count, bool) if kind is None else kinds == kind
        sel = ok_groups & members & np.isfinite(z)
        if sel.sum() < 10:
            sel = ok_groups & np.isfinite(z)
        med = np.median(z[sel])
        unit = max(1.0, 1.4826 * np.median(np.abs(z[sel] - med)))
        out[members] = (z[members] - med) / unit
    return out


def stouffer(zs: dict, names, ok) -> np.ndarray:
    cols = []
    for n in names:
        sign = -1.0 if n.startswith("-") else 1.0
        cols.append(sign * zs[n.lstrip("-")])
    Z = np.stack(cols, axis=1)
    good = ok & np.all(np.isfinite(Z), axis=1)
    if good.sum() < 20:
        return np.full(len(Z), np.nan)
    R = np.corrcoef(Z[good].T) if len(cols) > 1 else np.ones((1, 1))
    total = Z.sum(axis=1) / np.sqrt(R.sum())
    med = np.median(total[good])
    unit = max(1.0, 1.4826 * np.median(np.abs(total[good] - med)))
    return (total - med) / unit


def worst_class(zc, cls_school, cls_ok, S):
    """Per school: its worst class's z, Bonferroni over its classes, as a z."""
    best = np.full(S, np.nan)
    k = np.bincount(cls_school[cls_ok], minlength=S)
    for c in np.nonzero(cls_ok & np.isfinite(zc))[0]:
        sch = cls_school[c]
        if not np.isfinite(best[sch]) or zc[c] > best[sch]:
            best[sch] = zc[c]
    p = np.minimum(1.0, stats.norm.sf(best) * np.maximum(k, 1))
    return np.where(np.isfinite(best), stats.norm.isf(np.clip(p, 1e-300, 1.0)), np.nan)


def seed_rows(seed: int, rows: list) -> None:
    from bench.second_in_memory import region_data
    from tests.generators.second import make_region

    region = make_region(seed, schools=240, manipulated=40)
    data = region_data(region)
    year = region.target_year
    kinds = np.asarray(data.schools.kind, dtype=object)
    S = len(data.schools.codes)
    code_row = {c: i for i, c in enumerate(data.schools.codes)}
    truth = {code_row[t.school]: t for t in region.truth if t.changed and year in t.years}
    types = {code_row[s.code]: s.type for s in region.schools}
    planted_ids = set(truth)
    method = _method_z(data, year)
    for res in data.results:
        proc = res.procedure
        if proc.year != year:
            continue
        label = f"{proc.grade} {'РУ' if proc.subject.lower().startswith('рус') else 'МА'}"
        resid = pupil_residuals(res)
        school = np.asarray(res.school)
        n = np.bincount(school, minlength=S)
        ok_s = n >= MIN_SCHOOL
        honest_ok = ok_s & np.array([i not in planted_ids for i in range(S)])
        cls_u, cls = np.unique(res.class_id, return_inverse=True)
        C = len(cls_u)
        cls_n = np.bincount(cls, minlength=C)
        cls_school = np.zeros(C, np.int64)
        cls_school[cls] = school
        cls_name = np.empty(C, object)
        cls_name[cls] = res.class_name
        ok_c = cls_n >= MIN_CLASS
        zs, zc = {}, {}
        for name, (v, var) in resid.items():
            if name == "journal":
                # Against the region's line on the school's mean journal mark.
                zs[name] = _journal_school(v, var, res, school, S, ok_s, kinds)
            else:
                zs[name] = group_z(v, var, school, S, ok_s, kinds)
            zc[name] = group_z(v, var, cls, C, ok_c)
        zs["-zeros"], zc["-zeros"] = -zs["zeros"], -zc["zeros"]
        for combo, names in COMBOS.items():
            if all(nm.lstrip("-") in zs for nm in names):
                zs[combo] = stouffer(zs, names, ok_s)
                zc[combo] = stouffer(zc, names, ok_c)
        for i in np.nonzero(ok_s)[0]:
            t = truth.get(i)
            planted_here = t is not None and label in t.tests
            row = {
                "seed": seed,
                "school": int(i),
                "type": types[i],
                "test": label,
                "kind": t.kind if planted_here else ("other" if t is not None else "honest"),
                "scope": t.scope if planted_here else "",
            }
            for name, z in zs.items():
                row[name] = z[i]
                mine = cls_school == i
                row["class:" + name] = worst_class(
                    np.where(mine, zc[name], np.nan), cls_school, ok_c & mine, S
                )[i]
            for name, z in method.get((int(i), label), {}).items():
                row["method:" + name] = z
            if planted_here and t.scope == "classes":
                wanted = {c.split(" ", 1)[1] for c in t.classes if c.startswith(str(year))}
                picks = [c for c in np.nonzero(cls_school == i)[0] if cls_name[c] in wanted]
                for name in zs:
                    row["planted_class:" + name] = max(
                        (zc[name][c] for c in picks if ok_c[c]), default=np.nan
                    )
            rows.append(row)
        del honest_ok


METHOD = ("lenient_footprint", "journal_gap", "class_journal_gap", "blank_share")


def _method_z(data, year) -> dict:
    """{(school, test label): {indicator: its z as the run decided it}}."""
    from assessments.objectivity.checks import CheckParams, check_region

    out = {}
    for sch in check_region(data, year, CheckParams()).schools:
        for pc in sch.procedures:
            proc = pc.procedure
            label = f"{proc.grade} {'РУ' if proc.subject.lower().startswith('рус') else 'МА'}"
            zs = {
                ind.name: float(ind.details.get("z", np.nan))
                for ind in pc.indicators
                if ind.name in METHOD and ind.details.get("z") is not None
            }
            zs["marker"] = 10.0 if pc.marker else 0.0
            out[(sch.index, label)] = zs
    return out


def _journal_school(v, var, res, school, S, ok_s, kinds):
    from assessments.objectivity.checks.indicators.journal import _robust_line

    j = np.asarray(res.journal)
    has = np.isfinite(v)
    n_j = np.bincount(school[has], minlength=S).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(school[has], weights=v[has], minlength=S) / n_j
        se2 = np.bincount(school[has], weights=var[has], minlength=S) / n_j**2
        mean_j = np.bincount(school[has], weights=j[has].astype(float), minlength=S) / n_j
    line = _robust_line(mean_j, mean, n_j, ok_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (mean - line) / np.sqrt(se2)
    return group_z(z, np.ones(S), np.arange(S), S, ok_s, kinds)


def ceiling(rows: list, kinds=("lenient", "spike")) -> None:
    names = [k for k in rows[0] if k not in ("seed", "school", "type", "test", "kind", "scope")]
    names = [n for n in names if not n.startswith("planted_class:")]
    worst = defaultdict(lambda: defaultdict(lambda: -np.inf))
    for r in rows:
        key = (r["seed"], r["school"], r["kind"], r["scope"], r["type"])
        for n in names:
            v = r.get(n, np.nan)
            if np.isfinite(v):
                worst[key][n] = max(worst[key][n], v)
    honest = [v for k, v in worst.items() if k[2] == "honest"]
    print(
        f"honest schools {len(honest)}; planted: "
        + ", ".join(f"{kind} {sum(1 for k in worst if k[2] == kind)}" for kind in kinds)
    )
    print(
        f"{'statistic':<36}{'z@1%':>7}"
        + "".join(
            f"{kind + ' ' + scope:>18}" for kind in kinds for scope in ("school", "classes", "all")
        )
    )
    for n in names:
        h = np.array([v[n] for v in honest])
        h = h[np.isfinite(h)]
        if len(h) < 50:
            continue
        # The method's marker is read as it decided (10 with a marker, 0 without).
        cut = 5.0 if n == "method:marker" else float(np.quantile(h, 0.99))
        cells = []
        for kind in kinds:
            for scope in ("school", "classes", None):
                got = [
                    v[n] >= cut
                    for k, v in worst.items()
                    if k[2] == kind and (scope is None or k[3] == scope)
                ]
                cells.append(f"{sum(got):>3}/{len(got):<3} {np.mean(got) if got else 0:5.2f}")
        print(f"{n:<36}{cut:7.2f}" + "".join(f"{c:>18}" for c in cells))


def pooled(
    rows: list, names=("journal+blanks", "journal+blanks+zeros-", "method:lenient_footprint")
):
    """A school's school-level z summed over all its tests of the year (Stouffer,
    independent tests), against the honest schools' 99th percentile: the
    footprint of a whole school marked leniently in one or two tests."""
    by = defaultdict(list)
    for r in rows:
        by[(r["seed"], r["school"])].append(r)
    print("pooled over the school's tests of the year (school-scoped lenient):")
    for n in names:
        honest, planted, best_h, best_p = [], [], [], []
        for _key, rs in by.items():
            zs = [r[n] for r in rs if np.isfinite(r.get(n, np.nan))]
            if not zs:
                continue
            z = sum(zs) / np.sqrt(len(zs))
            best = max(z, max(zs))
            kinds = {r["kind"] for r in rs}
            if kinds == {"honest"}:
                honest.append(z)
                best_h.append(best)
            elif "lenient" in kinds and any(r["scope"] == "school" for r in rs):
                planted.append(z)
                best_p.append(max(best, max(r[n] for r in rs if r["kind"] == "lenient")))
        cut = np.quantile(honest, 0.99)
        cut_b = np.quantile(best_h, 0.99)
        print(
            f"  {n:<28} pooled z@1% {cut:5.2f}: {np.mean(np.array(planted) >= cut):.2f}; "
            f"best of pooled and each test z@1% {cut_b:5.2f}: "
            f"{np.mean(np.array(best_p) >= cut_b):.2f} of {len(planted)}"
        )


def curve(rows: list, name="method:lenient_footprint", cuts=(2.5, 2.75, 3.0, 3.25, 3.5, 3.77)):
    """Honest schools past each threshold (their worst test) and the planted
    schools' recall (their planted tests) on one statistic."""
    worst = defaultdict(lambda: -np.inf)
    for r in rows:
        v = r.get(name, np.nan)
        if np.isfinite(v) and r["kind"] != "other":
            key = (r["seed"], r["school"], r["kind"], r["scope"])
            worst[key] = max(worst[key], v)
    honest = np.array([v for k, v in worst.items() if k[2] == "honest"])
    print(f"{name}: honest schools past the threshold, and recall")
    for cut in cuts:
        cells = [f"honest {int((honest >= cut).sum()):>3}/{len(honest)}"]
        for kind, scope in (("lenient", "school"), ("lenient", "classes"), ("spike", "school")):
            got = [v >= cut for k, v in worst.items() if k[2] == kind and k[3] == scope]
            cells.append(f"{kind} {scope} {sum(got):>2}/{len(got):<2}")
        print(f"  z ≥ {cut:4.2f}: " + ", ".join(cells))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", required=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        seed_rows(seed, rows)
    print(f"seeds {args.seeds}")
    ceiling([r for r in rows if r["kind"] != "other"])
    pooled(rows)
    for name in ("method:lenient_footprint", "class:journal+blanks", "class:journal+blanks+zeros-"):
        curve(rows, name)
    if args.verbose:
        for r in rows:
            if r["kind"] in ("lenient", "spike"):
                print(
                    f"  {r['kind']:<8} {r['seed']} {r['type']:<10} {r['scope']:<7} {r['test']:<5} "
                    + " ".join(
                        f"{n}={r[n]:+.1f}"
                        for n in ("journal", "blanks", "zeros", "hard", "misfit", "journal+blanks")
                        if np.isfinite(r.get(n, np.nan))
                    )
                    + " | cls "
                    + " ".join(
                        f"{n}={r['planted_class:' + n]:+.1f}"
                        for n in ("journal", "blanks", "journal+blanks", "all")
                        if np.isfinite(r.get("planted_class:" + n, np.nan))
                    )
                )


if __name__ == "__main__":
    main()
