"""How far a cohort's one-year spike (second generator) sits from the honest
schools of its kind on statistics of the region's own history, outside the
method: is recall 0.9 reachable at 1 % false alarms at all, and on which?

    .venv/bin/python bench/spike_ceiling.py --seeds 820,821,822 [-v]

A school's *standing* in a test is its pupils' mean standardised primary
score (the region's mean 0, pupil sd 1), as `checks.crossing` has it. For
every test of the checked year (grades 4 and 5, both subjects) a contrast
d of the standing against a reference from the same school's data:

* hist: the same test in the previous years (up to three, each of at least
  10 pupils), their mean; the honest change is the school's year noise
  (cohort, teachers) τ² on top of sampling, and the past mean carries τ²/K
  of its own: var = τ²(1 + 1/K) + sampling (shrunk by the years it has);
* around: the same test in every other year, the year after included (the
  spike's fall: another cohort in the same grade);
* subject: the other subject of the same grade this year (the same pupils,
  the same primary teacher: a cohort spiked in one subject), by the
  region's robust line of one standing on the other;
* grade: the other grade's tests this year (another cohort, other teachers:
  a selective school is high in all), by the region's robust line;
* cohort: the same pupils a grade later, the year after (grade 4 only; the
  method's `cohort`); cohort_prev: a grade earlier, the year before (grade 5
  only: the grade the spike would have been in, honest here);
* journal, journal_hist: the method's journal gap and its own history
  (`journal_gap`, `journal_history`, as the run decided them).

τ² per method kind is the region's robust variance of d beyond sampling
(1.4826·MAD)² − median sampling variance; z = d / sqrt(var), then put on the
median and robust spread (never below 1) of its kind and size band (10–19,
20–39, 40–79, 80+ pupils in the test): small schools vary more than
sampling says (one class, one teacher), and that is measured, not assumed.
Stouffer sums over their correlation among all schools (the planted are a
few) are printed beside, and `grade:` sums of a statistic over both
subjects of the grade (the cohort spiked in both), max'd with each test's.

`m:` sums are of the method's own z as its run decided them (level,
journal gap, cohort, rise and fall, journal history): its combined route's
members and other choices of them; beside each, the same sum on the
region's one scale (`flat:`, as the method's combined column is), on its
kind's (`kind:`) and on the size bands' (`band:`); `gradeonly:` is the
grade's sum alone (the method's cohort look), on the region's scale or its
kind's.

The ceiling: per statistic, the z at which 1 % of the honest eligible
schools (≥ 20 pupils in the test) are above it over their worst test of the
year where the statistic is defined (the oracle threshold, knowing which
schools are honest), and the share of spiked schools above it over their
spiked tests (schools whose spiked tests hold ≥ 20 pupils together, as
bench/evaluate_budget.py counts them; their size is the spiked tests'
largest). `method:marker` reads the method's recall; `method:*` its z.

The oracle 1 % is far from where the method works: the budget is a count
(1 % of ~135 honest schools is one school a run, kept in 9 runs of 10),
split over the year's tests and the rule's routes, so its combined route
fires past z 3.4–3.5 and the cohort look past 3.75. A second table puts
each statistic on the honest tests' robust scale and reads the honest
schools and the spiked schools past those z. A last one shows the raw
contrasts by the test's size: the honest schools' robust sd (its sampling
part beside) against the spiked schools' median jump.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

MIN_SCHOOL, MIN_TEST = 20, 10
SIZE_BANDS = (10, 20, 40, 80)
BASE = ("hist", "around", "subject", "grade", "cohort", "cohort_prev", "journal", "journal_hist")
COMBOS = {
    "hist+cohort": ("hist", "cohort"),
    "around+cohort": ("around", "cohort"),
    "hist+cohort+subject": ("hist", "cohort", "subject"),
    "hist+cohort+grade": ("hist", "cohort", "grade"),
    "around+cohort+grade": ("around", "cohort", "grade"),
    "hist+cohort+journal+journal_hist": ("hist", "cohort", "journal", "journal_hist"),
    "around+cohort+grade+journal+jh": ("around", "cohort", "grade", "journal", "journal_hist"),
    "around+cohort+subject+grade+j+jh": (
        "around",
        "cohort",
        "subject",
        "grade",
        "journal",
        "journal_hist",
    ),
    # The method's own z: its combined route's members, and with them changed.
    "m:level+journal+cohort+rise_fall": ("m_level", "journal", "m_cohort", "m_rise_fall"),
    "m:level+journal+cohort+rise_fall+jh": (
        "m_level",
        "journal",
        "m_cohort",
        "m_rise_fall",
        "journal_hist",
    ),
    "m:journal+cohort+rise_fall+jh": ("journal", "m_cohort", "m_rise_fall", "journal_hist"),
    "m:journal+cohort+jh": ("journal", "m_cohort", "journal_hist"),
    "m:journal+cohort+rise_fall": ("journal", "m_cohort", "m_rise_fall"),
    "m:cohort+rise_fall+jh": ("m_cohort", "m_rise_fall", "journal_hist"),
    "m:level+cohort+rise_fall+jh": ("m_level", "m_cohort", "m_rise_fall", "journal_hist"),
    "m:journal+cohort+hist+jh": ("journal", "m_cohort", "hist", "journal_hist"),
    "cohort+journal+journal_hist": ("cohort", "journal", "journal_hist"),
}
METHOD = ("cohort", "rise_fall", "journal_gap", "journal_history", "level", "combined")


def label_of(proc) -> str:
    return f"{proc.grade} {'РУ' if proc.subject.lower().startswith('рус') else 'МА'}"


def standings(data, S):
    """{(year, grade, subject label): (standing, pupils)} per school."""
    out = {}
    for res in data.results:
        proc = res.procedure
        x = res.primary.astype(np.float64)
        n = np.bincount(res.school, minlength=S).astype(np.float64)
        sd = float(x.std()) or 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(res.school, weights=x, minlength=S) / n
        st = (mean - float(x.mean())) / sd
        out[(proc.year, label_of(proc))] = (np.where(n >= MIN_TEST, st, np.nan), n)
    return out


def robust_line(x, y, w, ok):
    """Weighted least squares of y on x over ok, refitted without points past
    3 robust sd; the prediction (NaN where x is)."""
    fit = ok & np.isfinite(x) & np.isfinite(y)
    keep = fit.copy()
    coef = np.array([0.0, 1.0])
    for _ in range(3):
        sw = np.sqrt(w[keep])
        A = np.stack([np.ones(keep.sum()), x[keep]], axis=1)
        coef = np.linalg.lstsq(A * sw[:, None], y[keep] * sw, rcond=None)[0]
        r = y - coef[0] - coef[1] * x
        mad = 1.4826 * float(np.median(np.abs(r[fit] - np.median(r[fit])))) or 1.0
        keep = fit & (np.abs(r) <= 3 * mad)
    return coef[0] + coef[1] * x, float(coef[1])


def size_band(n):
    return np.searchsorted(np.array(SIZE_BANDS), n, side="right") - 1


def random_effects_z(d, samp, ok, kinds, n):
    """d over sqrt(τ² of its kind + sampling), then on its kind's and size
    band's median and robust spread (at least 1; the kind's where a band has
    fewer than 15 schools)."""
    z = np.full(len(d), np.nan)
    good = ok & np.isfinite(d) & np.isfinite(samp)
    for kind in np.unique(kinds):
        mine = good & (kinds == kind)
        sel = mine if mine.sum() >= 15 else good
        med = np.median(d[sel])
        tau2 = max((1.4826 * np.median(np.abs(d[sel] - med))) ** 2 - np.median(samp[sel]), 1e-4)
        z[mine] = d[mine] / np.sqrt(tau2 + samp[mine])
    return on_scale(z, good, kinds, n)


def on_scale(z, good, kinds, n):
    out = np.full(len(z), np.nan)
    band = size_band(n)
    for kind in np.unique(kinds):
        for b in range(len(SIZE_BANDS)):
            mine = good & (kinds == kind) & (band == b)
            if not mine.any():
                continue
            sel = mine if mine.sum() >= 15 else good & (kinds == kind)
            if sel.sum() < 15:
                sel = good & (band == b) if (good & (band == b)).sum() >= 15 else good
            med = np.median(z[sel])
            unit = max(1.0, 1.4826 * np.median(np.abs(z[sel] - med)))
            out[mine] = (z[mine] - med) / unit
    return out


def seed_rows(seed: int, rows: list) -> None:
    from bench.second_in_memory import region_data
    from tests.generators.second import make_region

    region = make_region(seed, schools=240, manipulated=40)
    data = region_data(region)
    year = region.target_year
    S = len(data.schools.codes)
    kinds = np.asarray(data.schools.kind, dtype=object)
    code_row = {c: i for i, c in enumerate(data.schools.codes)}
    truth = {code_row[t.school]: t for t in region.truth}
    types = {code_row[s.code]: s.type for s in region.schools}
    st = standings(data, S)
    method = _method_z(data, year)
    labels = sorted({lab for (y, lab) in st if y == year})
    zs = {}  # (stat, label) -> z per school
    contrast = {}  # (stat, label) -> (contrast in pupil sd, its sampling variance) per school
    for lab in labels:
        s_t, n_t = st[(year, lab)]
        ok = n_t >= MIN_TEST
        grade, subj = lab.split()
        # hist / around
        for name, years in (
            ("hist", [year - k for k in (1, 2, 3)]),
            ("around", [year - k for k in (1, 2, 3)] + [year + 1]),
        ):
            tot, inv, K = np.zeros(S), np.zeros(S), np.zeros(S)
            for y in years:
                if (y, lab) not in st:
                    continue
                s_y, n_y = st[(y, lab)]
                use = np.isfinite(s_y)
                tot[use] += s_y[use]
                inv[use] += 1.0 / n_y[use]
                K[use] += 1
            with np.errstate(invalid="ignore", divide="ignore"):
                past = tot / K
                samp = 1.0 / n_t + inv / K**2
            d = s_t - past
            # The past mean's own year noise τ²/K: the variance is τ²(1 + 1/K).
            z = random_effects_z(
                d / np.sqrt(1 + 1 / np.maximum(K, 1)), samp, ok & (K >= 1), kinds, n_t
            )
            zs[(name, lab)] = np.where(K >= 1, z, np.nan)
            contrast[(name, lab)] = (np.where(K >= 1, d, np.nan), samp)
        # subject / grade: this year's other tests, by the region's line
        other_subj = f"{grade} {'МА' if subj == 'РУ' else 'РУ'}"
        other_grade = [lb for lb in labels if lb.split()[0] != grade]
        refs = {"subject": [other_subj], "grade": other_grade}
        for name, others in refs.items():
            got = [st[(year, o)] for o in others if (year, o) in st]
            if not got:
                continue
            s_o = np.nanmean(np.stack([g[0] for g in got]), axis=0) if len(got) > 1 else got[0][0]
            inv = sum(1.0 / np.maximum(g[1], 1) for g in got) / len(got) ** 2
            pred, slope = robust_line(s_o, s_t, n_t, ok & (n_t >= MIN_SCHOOL))
            d = s_t - pred
            zs[(name, lab)] = random_effects_z(d, 1.0 / n_t + slope**2 * inv, ok, kinds, n_t)
        # cohort: the same pupils a grade later (grade 4) or earlier (grade 5)
        for name, key in (
            ("cohort", (year + 1, f"{int(grade) + 1} {subj}")),
            ("cohort_prev", (year - 1, f"{int(grade) - 1} {subj}")),
        ):
            if key not in st:
                continue
            s_o, n_o = st[key]
            both = ok & np.isfinite(s_o)
            pred, slope = robust_line(s_o, s_t, n_t, both & (n_t >= MIN_SCHOOL))
            d = s_t - pred
            zs[(name, lab)] = random_effects_z(d, 1.0 / n_t + slope**2 / n_o, both, kinds, n_t)
            contrast[(name, lab)] = (np.where(both, d, np.nan), 1.0 / n_t + slope**2 / n_o)
        for name, mname in (("journal", "journal_gap"), ("journal_hist", "journal_history")):
            zs[(name, lab)] = np.array(
                [method.get((i, lab), {}).get(mname, np.nan) for i in range(S)]
            )
    for lab in labels:
        for nm in ("level", "rise_fall", "cohort"):
            zs[("m_" + nm, lab)] = np.array(
                [method.get((i, lab), {}).get(nm, np.nan) for i in range(S)]
            )
    # Stouffer sums per test, over their correlation among all eligible schools.
    for combo, names in COMBOS.items():
        for lab in labels:
            cols = [zs.get((nm, lab)) for nm in names]
            if any(c is None for c in cols):
                continue
            Z = np.stack(cols, axis=1)
            n_t = st[(year, lab)][1]
            good = np.all(np.isfinite(Z), axis=1) & (n_t >= MIN_TEST)
            R = _spearman(Z[good])
            present = np.isfinite(Z).astype(float)
            sd = np.sqrt(np.maximum(((present @ R) * present).sum(axis=1), 1.0))
            raw = np.nan_to_num(Z).sum(axis=1) / sd
            anyz = np.isfinite(Z).any(axis=1) & (n_t >= MIN_TEST)
            zs[(combo, lab)] = np.where(anyz, on_scale(raw, anyz, kinds, n_t), np.nan)
            if combo.startswith("m:"):
                # The same sum on the region's one scale (as the method's
                # combined column), and on its kind's without size bands.
                one = np.full(S, "all", dtype=object)
                big = np.full(S, 10_000)
                zs[("flat:" + combo, lab)] = np.where(anyz, on_scale(raw, anyz, one, big), np.nan)
                zs[("kind:" + combo, lab)] = np.where(anyz, on_scale(raw, anyz, kinds, big), np.nan)
                zs[("band:" + combo, lab)] = np.where(anyz, on_scale(raw, anyz, one, n_t), np.nan)
    # grade: a statistic over both subjects of the grade, max'd with each test's
    stat_names = sorted({nm for nm, _lab in zs})
    for nm in stat_names:
        for g in sorted({lab.split()[0] for lab in labels}):
            pair = [lb for lb in labels if lb.split()[0] == g]
            cols = [zs.get((nm, lb)) for lb in pair]
            if len(pair) != 2 or any(c is None for c in cols):
                continue
            Z = np.stack(cols, axis=1)
            good = np.all(np.isfinite(Z), axis=1)
            if good.sum() < 30:
                continue
            r = float(_spearman(Z[good])[0, 1])
            n_g = sum(st[(year, lb)][1] for lb in pair)
            raw = np.nansum(Z, axis=1) / np.where(good, np.sqrt(2 + 2 * r), 1.0)
            anyz = np.isfinite(Z).any(axis=1)
            joint = np.where(anyz, on_scale(raw, anyz, kinds, n_g / 2), np.nan)
            for lb, c in zip(pair, cols, strict=True):
                zs[("grade:" + nm, lb)] = np.fmax(c, joint)
            if nm.startswith("flat:m:"):
                # The grade's sum alone on the region's one scale (the
                # method's cohort look) and on its kind's.
                one = np.full(S, "all", dtype=object)
                flat = np.where(anyz, on_scale(raw, anyz, one, np.full(S, 10_000)), np.nan)
                kind = np.where(anyz, on_scale(raw, anyz, kinds, np.full(S, 10_000)), np.nan)
                for lb in pair:
                    zs[("gradeonly:" + nm, lb)] = flat
                    zs[("gradeonly:kind:" + nm[5:], lb)] = kind
    for lab in labels:
        s_t, n_t = st[(year, lab)]
        for i in np.nonzero(n_t >= MIN_TEST)[0]:
            t = truth.get(i)
            active = t is not None and t.changed and year in t.years
            planted_here = active and lab in t.tests
            if active and t.kind == "spike":
                spiked_n = sum(st[(year, lb)][1][i] for lb in t.tests)
            row = {
                "seed": seed,
                "school": int(i),
                "type": types[i],
                "test": lab,
                "n": int(n_t[i]),
                "kind": (t.kind if planted_here else "other") if t is not None else "honest",
                "spiked_n": int(spiked_n) if planted_here and t.kind == "spike" else 0,
                "spiked_tests": "+".join(t.tests) if planted_here else "",
            }
            for (nm, lb), z in zs.items():
                if lb == lab:
                    row[nm] = float(z[i])
            for nm, z in method.get((int(i), lab), {}).items():
                row["method:" + nm] = z
            for (nm, lb), (d, samp) in contrast.items():
                if lb == lab:
                    row["d:" + nm], row["samp:" + nm] = float(d[i]), float(samp[i])
            rows.append(row)


def _spearman(Z):
    from scipy import stats

    if Z.shape[0] < 20:
        return np.eye(Z.shape[1])
    rho = stats.spearmanr(Z).statistic if Z.shape[1] > 2 else None
    if rho is None:
        rho = np.corrcoef(stats.rankdata(Z, axis=0).T)
    rho = np.atleast_2d(rho)
    return 2 * np.sin(np.pi * rho / 6)


def _method_z(data, year) -> dict:
    """{(school, test label): {indicator: z as the run decided it}}."""
    from assessments.objectivity.checks import CheckParams, check_region

    out = {}
    for sch in check_region(data, year, CheckParams()).schools:
        for pc in sch.procedures:
            zs = {}
            for ind in pc.indicators:
                if ind.name in METHOD and ind.details.get("z") is not None:
                    zs[ind.name] = float(ind.details["z"])
                if ind.name == "combined" and ind.details.get("z_cohort_subjects") is not None:
                    zs["cohort_look"] = float(ind.details["z_cohort_subjects"])
            zs["marker"] = 10.0 if pc.marker else 0.0
            out[(sch.index, label_of(pc.procedure))] = zs
    return out


def worst_by_school(rows, name, min_n=MIN_SCHOOL):
    """{(seed, school): (worst z, row kind, size)} over honest schools' tests
    of ≥ min_n pupils and spiked schools' spiked tests."""
    honest, spiked = {}, {}
    for r in rows:
        v = r.get(name, np.nan)
        if not np.isfinite(v):
            continue
        key = (r["seed"], r["school"])
        if r["kind"] == "honest" and r["n"] >= min_n:
            honest[key] = max(honest.get(key, -np.inf), v)
        elif r["kind"] == "spike" and r["spiked_n"] >= min_n:
            spiked[key] = max(spiked.get(key, (-np.inf,))[0], v), r
    return honest, spiked


def all_spiked(rows):
    out = {}
    for r in rows:
        if r["kind"] == "spike" and r["spiked_n"] >= MIN_SCHOOL:
            key = (r["seed"], r["school"])
            size = max(out[key][0], r["n"]) if key in out else r["n"]
            out[key] = size, r["type"], r["spiked_tests"]
    return out


def ceiling(rows) -> dict:
    names = sorted(
        {k for r in rows for k in r}
        - {"seed", "school", "type", "test", "n", "kind", "spiked_n", "spiked_tests"}
    )
    names = [nm for nm in names if not nm.startswith(("d:", "samp:"))]
    spiked_all = all_spiked(rows)
    honest_n = len(
        {(r["seed"], r["school"]) for r in rows if r["kind"] == "honest" and r["n"] >= MIN_SCHOOL}
    )
    print(f"honest eligible schools {honest_n}; spiked schools (≥ 20 pupils) {len(spiked_all)}")
    bands = ((10, 20), (20, 40), (40, 80), (80, 10_000))
    head = "".join(f"{f'n {lo}-{hi - 1}' if hi < 10_000 else f'n ≥ {lo}':>12}" for lo, hi in bands)
    print(
        f"{'statistic':<40}{'z@1%':>7}{'honest':>9}{'spike':>14}{'one subj':>12}{'both':>12}{head}"
    )
    cuts, operating = {}, []
    for nm in names:
        honest, spiked = worst_by_school(rows, nm)
        h = np.array(list(honest.values()))
        if len(h) < 100:
            continue
        cut = 5.0 if nm == "method:marker" else float(np.quantile(h, 0.99))
        cuts[nm] = cut
        # A spiked school without the statistic is a miss.
        hit = {k: spiked.get(k, (-np.inf,))[0] >= cut for k in spiked_all}

        def cell(keys, hit=hit):
            keys = list(keys)
            got = sum(hit[k] for k in keys)
            return f"{got:>3}/{len(keys):<3} {got / max(len(keys), 1):4.2f}"

        one = [k for k, v in spiked_all.items() if "+" not in v[2]]
        both = [k for k, v in spiked_all.items() if "+" in v[2]]
        by_size = [[k for k, v in spiked_all.items() if lo <= v[0] < hi] for lo, hi in bands]
        print(
            f"{nm:<40}{cut:7.2f}{len(h):>9}{cell(spiked_all):>14}{cell(one):>12}{cell(both):>12}"
            + "".join(f"{cell(b):>12}" for b in by_size)
        )
        if nm != "method:marker":
            operating.append((nm, operating_point(rows, nm, honest, spiked, spiked_all)))
    print(
        "at the method's operating point: each statistic on the honest tests' robust scale "
        "(median, 1.4826·MAD, tests of ≥ 20 pupils), honest schools past z (their worst test) "
        "and spiked schools' recall"
    )
    print(f"{'statistic':<40}" + "".join(f"{f'z ≥ {c}':>24}" for c in OPERATING))
    for nm, cells in operating:
        print(f"{nm:<40}" + "".join(f"{c:>24}" for c in cells))
    return cuts


OPERATING = (3.0, 3.47, 3.75)  # 3.47 and 3.75: the method's combined and cohort-look cuts


def operating_point(rows, nm, honest, spiked, spiked_all):
    v = np.array(
        [r.get(nm, np.nan) for r in rows if r["kind"] == "honest" and r["n"] >= MIN_SCHOOL]
        + [np.nan]
    )
    v = v[np.isfinite(v)]
    med = float(np.median(v))
    unit = 1.4826 * float(np.median(np.abs(v - med))) or 1.0
    h = (np.array(list(honest.values())) - med) / unit
    cells = []
    for cut in OPERATING:
        got = sum((spiked.get(k, (-np.inf,))[0] - med) / unit >= cut for k in spiked_all)
        cells.append(
            f"{int((h >= cut).sum()):>3}/{len(h):<4} {got:>3}/{len(spiked_all):<3} "
            f"{got / max(len(spiked_all), 1):4.2f}"
        )
    return cells


def contrasts_by_size(rows, names=("hist", "around", "cohort")):
    """What a spike can show against a school's own year-to-year noise, by
    the test's size: the honest schools' robust sd of the raw contrast (pupil
    sd units; the past mean's τ²/K included) beside its sampling part, and
    the spiked tests' median contrast (the jump the data shows)."""
    print("raw contrasts by test size (pupil sd): honest robust sd [sampling sd] | spiked median")
    for nm in names:
        cells = []
        for lo, hi in ((10, 20), (20, 30), (30, 50), (50, 80), (80, 10_000)):
            h = [
                (r["d:" + nm], r["samp:" + nm])
                for r in rows
                if r["kind"] == "honest"
                and lo <= r["n"] < hi
                and np.isfinite(r.get("d:" + nm, np.nan))
            ]
            sp = [
                r["d:" + nm]
                for r in rows
                if r["kind"] == "spike"
                and lo <= r["n"] < hi
                and np.isfinite(r.get("d:" + nm, np.nan))
            ]
            if len(h) < 20:
                continue
            d = np.array([v for v, _ in h])
            sd = 1.4826 * np.median(np.abs(d - np.median(d)))
            samp = np.sqrt(np.median([v for _, v in h]))
            med = f"{np.median(sp):+.2f} ({len(sp)})" if sp else "-"
            cells.append(f"n {lo}-{min(hi, 999) - 1}: {sd:.2f} [{samp:.2f}] | {med}")
        print(f"  {nm:<8} " + "; ".join(cells))


def honest_spread(rows, names=("hist", "around", "subject", "grade", "cohort")):
    """The honest schools' spread of each contrast's raw z by size band: does
    the calibration by kind and size leave every band at about 1?"""
    print("honest schools' robust spread of z by test size (after the calibration):")
    for nm in names:
        cells = []
        for lo, hi in ((10, 20), (20, 40), (40, 80), (80, 10_000)):
            v = np.array(
                [
                    r[nm]
                    for r in rows
                    if r["kind"] == "honest"
                    and lo <= r["n"] < hi
                    and np.isfinite(r.get(nm, np.nan))
                ]
            )
            if len(v) > 20:
                med = np.median(v)
                cells.append(
                    f"n {lo}+: {1.4826 * np.median(np.abs(v - med)):.2f} (q99 {np.quantile(v, 0.99):.2f})"
                )
        print(f"  {nm:<12} " + ", ".join(cells))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", required=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    rows: list = []
    for seed in (int(s) for s in args.seeds.split(",")):
        seed_rows(seed, rows)
    print(f"seeds {args.seeds}")
    cuts = ceiling(rows)
    honest_spread(rows)
    contrasts_by_size(rows)
    if args.verbose:
        show = (
            "hist",
            "around",
            "subject",
            "grade",
            "cohort",
            "journal",
            "journal_hist",
            "around+cohort+grade+journal+jh",
            "method:combined",
            "method:cohort_look",
        )
        print("spiked tests (z; * past the oracle threshold):")
        for r in sorted(rows, key=lambda r: r["n"]):
            if r["kind"] == "spike" and r["spiked_n"] >= MIN_SCHOOL:
                print(
                    f"  {r['seed']} {r['type']:<11} {r['test']} n={r['n']:<3} of {r['spiked_tests']:<9}"
                    f"{'HIT ' if r.get('method:marker', 0) > 5 else 'miss'} "
                    + " ".join(
                        f"{nm.split('+')[0] if '+' not in nm else 'sum'}={r[nm]:+.1f}{'*' if r[nm] >= cuts.get(nm, np.inf) else ''}"
                        for nm in show
                        if np.isfinite(r.get(nm, np.nan))
                    )
                )


if __name__ == "__main__":
    main()
