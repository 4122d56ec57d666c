"""Class-level indicators: manipulation by one teacher in one or two classes
moves the school's mean by a fraction of what it does to the class, so the
class is looked at directly.

- `class_journal_gap`: a class whose test scores stand above what its pupils'
  journal marks predict, against the region's classes with the same mean
  journal mark (lenient marking of one class, the journal left as it was),
  with the gap of the school's other classes beside it.
- `pair_similarity`: pairs of pupils of one class whose scores agree on far
  more tasks than two pupils with their totals agree in the region (copying
  from a classmate over a long stretch of the work, not only whole identical
  papers).

Both test every eligible class (at least `min_class` pupils) and report the
school's worst one; the school's p-value is the worst class's multiplied by
the number of eligible classes (Bonferroni), so a school with many classes is
not flagged for having many chances. The per-class nulls come from the
region's own classes (a robust between-class spread; the region's rate of
agreeing pairs), and the budget (`checks.budget`) sets the thresholds.
"""

from __future__ import annotations

import numpy as np

from ..data import CLASS_JOURNAL_GAP, PAIR_SIMILARITY
from ..params import CheckParams
from .base import Column, Prepared, _empty, _stats, _z_of_p
from .journal import _robust_line
from .similarity import _classes

PAIR_CHUNK = 1 << 18  # pupil pairs a chunk of the (pairs × tasks) comparison


def _worst_class(score: np.ndarray, ok: np.ndarray, cls_school: np.ndarray, S: int):
    """Per school: the eligible class (index) with the largest `score`, -1 where none,
    and the number of eligible classes."""
    n_classes = np.bincount(cls_school[ok], minlength=S)
    worst = np.full(S, -1)
    cand = np.flatnonzero(ok & np.isfinite(score))
    if len(cand):
        order = cand[np.lexsort((score[cand], cls_school[cand]))]  # by school, then score
        last = np.ones(len(order), bool)
        last[:-1] = cls_school[order][1:] != cls_school[order][:-1]
        worst[cls_school[order][last]] = order[last]
    return worst, n_classes


def _bonferroni_z(p_class: np.ndarray, n_classes: np.ndarray) -> np.ndarray:
    return _z_of_p(np.minimum(1.0, p_class * np.maximum(n_classes, 1)))


# ---------------------------------------------------------------------------
# A class above what its journal marks predict


def class_journal_gap(p: Prepared, params: CheckParams) -> Column:
    """The class's mean residual of the standardised primary score given each
    pupil's journal mark (the region's table per journal mark, as
    `journal_gap`), against the region's robust line of class residuals on the
    class's mean journal mark (classes are marked against their own school,
    strong classes harder). Against the school's other classes:
    z = contrast / sqrt(τ² + se²), τ² the region's robust between-class
    variance of the contrast beyond sampling; against the region's classes the
    same with the class's own deviation; a class's evidence is the larger of
    the two (Bonferroni over both), and its one-sided p-value times the
    school's eligible classes gives the school's evidence. The
    details give the worst class's deviation and the other classes' mean
    deviation in the same school (one teacher's lenient marking shows as one
    class far from its neighbours), and the number of classes."""
    S = p.n_schools
    has = p.res.journal > 0
    if has.sum() < 50 or p.res.class_id is None:
        return _empty(CLASS_JOURNAL_GAP, p)
    cls_idx, C, cls_school, _n = _classes(p)
    x = p.primary.astype(np.float64)
    sd = float(x[has].std()) or 1.0
    x = (x - float(x[has].mean())) / sd
    j = np.where(has, p.res.journal, 0)
    cnt = np.bincount(j[has], minlength=6).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e1 = np.bincount(j[has], weights=x[has], minlength=6) / cnt
        e2 = np.bincount(j[has], weights=x[has] ** 2, minlength=6) / cnt
    var = np.nan_to_num(np.maximum(e2 - e1**2, 0))
    resid = np.where(has, x - np.nan_to_num(e1)[j], 0.0)
    n_c = np.bincount(cls_idx, weights=has, minlength=C)
    with np.errstate(invalid="ignore", divide="ignore"):
        r_c = np.bincount(cls_idx, weights=resid, minlength=C) / n_c
        se2 = np.bincount(cls_idx, weights=np.where(has, var[j], 0.0), minlength=C) / n_c**2
        mj = np.bincount(cls_idx, weights=j.astype(np.float64), minlength=C) / n_c
    ok = n_c >= params.min_class
    # The school's other pupils with a journal mark (whatever their class's size).
    R_s = np.bincount(p.school, weights=resid, minlength=S)
    V_s = np.bincount(p.school, weights=np.where(has, var[j], 0.0), minlength=S)
    J_s = np.bincount(p.school, weights=j.astype(np.float64), minlength=S)
    N_s = np.bincount(p.school, weights=has, minlength=S)
    n_o = N_s[cls_school] - n_c
    with np.errstate(invalid="ignore", divide="ignore"):
        r_o = (R_s[cls_school] - r_c * n_c) / n_o
        mj_o = (J_s[cls_school] - mj * n_c) / n_o
        se2_o = (V_s[cls_school] - se2 * n_c**2) / n_o**2
    ok &= n_o >= params.min_class
    line_o = _robust_line(mj, r_c, n_c, ok)  # refit on the classes compared
    dev = r_c - line_o
    dev_o = r_o - _line_at(mj, r_c, n_c, ok, mj_o)
    contrast = dev - dev_o
    sel = ok & np.isfinite(contrast) & np.isfinite(se2_o)
    if sel.sum() < 20:
        return _empty(CLASS_JOURNAL_GAP, p)
    samp = se2 + se2_o
    med = float(np.median(contrast[sel]))
    mad = 1.4826 * float(np.median(np.abs(contrast[sel] - med)))
    tau2 = max(0.0, mad**2 - float(np.median(samp[sel])))
    with np.errstate(invalid="ignore", divide="ignore"):
        z_c = (contrast - med) / np.sqrt(tau2 + samp)
    # Above the region's classes too (not a class looking lenient only beside
    # severely marked neighbours): its own gap above the region's line.
    d_med = float(np.median(dev[sel]))
    d_mad = max(1e-9, 1.4826 * float(np.median(np.abs(dev[sel] - d_med))))
    z_region = (dev - d_med) / d_mad
    # Two looks at one class: against its school's other classes (a teacher
    # lenient among colleagues who are not) and against the region's classes
    # as a random-effects z (two lenient classes of one school hide each other
    # from the first look, not from the second); the larger, Bonferroni over
    # the two.
    tau2_r = max(0.0, d_mad**2 - float(np.median(se2[sel])))
    with np.errstate(invalid="ignore", divide="ignore"):
        z_r = (dev - d_med) / np.sqrt(tau2_r + se2)
        best = np.fmax(z_c, z_r)
        z_c = np.where(
            np.isfinite(z_c), _z_of_p(np.minimum(1.0, 2 * _stats().norm.sf(best))), np.nan
        )
    ok &= np.isfinite(z_c)
    st = {
        "class_id": np.unique(p.res.class_id),
        "cls_school": cls_school,
        "ok": ok,
        "z_c": z_c,
        "contrast": contrast,
        "med": med,
        "n_c": n_c,
        "dev": dev,
        "dev_o": dev_o,
        "z_region": z_region,
        "sd": np.sqrt(np.maximum(tau2 + samp, 0.0)),
    }
    return class_gap_column(p, params, st, z_c, np.ones(C))


def class_gap_column(p: Prepared, params: CheckParams, st: dict, evidence, tests) -> Column:
    """The school's column from its classes' evidence (a z per class; `tests`
    per class: how many looks the evidence is the best of, for Bonferroni)."""
    S = p.n_schools
    ok, cls_school = st["ok"], st["cls_school"]
    worst, n_classes = _worst_class(np.where(ok, evidence, np.nan), ok, cls_school, S)
    has_w = worst >= 0
    w = worst[has_w]
    p_class = np.full(S, np.nan)
    p_class[has_w] = np.minimum(1.0, _stats().norm.sf(evidence[w]) * tests[w])
    z = _bonferroni_z(p_class, n_classes)
    eligible = has_w & (p.n >= params.min_school)
    value, ref, others, size, own, zr, zc, sd_w = (np.full(S, np.nan) for _ in range(8))
    value[has_w] = st["contrast"][w]
    ref[has_w] = st["med"]
    size[has_w] = st["n_c"][w]
    own[has_w] = st["dev"][w]
    others[has_w] = st["dev_o"][w]
    zr[has_w] = st["z_region"][w]
    zc[has_w] = st["z_c"][w]
    sd_w[has_w] = st["sd"][w]
    gate = np.nan_to_num(zr) >= params.class_region_z
    k_w = np.maximum(n_classes, 1)
    med = st["med"]

    def at(zz):
        # The class's contrast with its school's other classes at which the
        # school's evidence would reach zz by that look alone (two looks a class).
        zz = np.asarray(zz, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            zq = _stats().norm.isf(_stats().norm.sf(zz) / k_w / 2)
        return med + zq * sd_w

    details = {
        "z": z,
        "z_class": zc,
        "class_gap": own,
        "other_classes_gap": others,
        "z_region_classes": zr,
        "classes": n_classes.astype(np.float64),
    }
    if tests.max(initial=1) > 1:
        pooled = np.full(S, np.nan)
        pooled[has_w] = evidence[w]
        details["z_class_subjects"] = pooled
    return Column(
        CLASS_JOURNAL_GAP,
        value=value,
        reference=ref,
        threshold=at(np.full(S, params.class_journal_gap_z)),
        fired=eligible & gate & (z >= params.class_journal_gap_z),
        strong=np.zeros(S, bool),
        n=np.where(has_w, size, 0).astype(np.int64),
        details=details,
        z=z,
        eligible=eligible,
        alone=True,
        # Its null is the region's classes (robust between-class spread), and a
        # best-of-classes z is not centred on 0 for an honest school: re-centring
        # it on the kind's median would shift every school up.
        recentre=False,
        threshold_at=at,
        gate=gate,
        # Alone at the budget's own threshold: its null (the region's classes,
        # a robust between-class spread, Bonferroni over the school's classes)
        # is conservative on the region's honest schools, so no floor is added.
        classes=st,
    )


def pool_class_gaps(cols: dict, params: CheckParams) -> None:
    """A primary-school teacher marks both subjects of her class: the class's
    evidence of `class_journal_gap` in one procedure is also read together
    with the same class's in the other procedures of its year and grade
    (classes matched by `class_id`). Per class: the larger of its own z and
    the subjects' pooled z (Stouffer, with the correlation the region's
    classes show between subjects), counted as two looks (Bonferroni). Each
    procedure's column is rebuilt in place; nothing changes where a class
    sits one procedure only."""
    groups: dict = {}
    for proc, (prep, columns) in cols.items():
        for k, c in enumerate(columns):
            if c.name == CLASS_JOURNAL_GAP and c.classes is not None:
                key = (proc.instrument, proc.year, proc.grade)
                groups.setdefault(key, []).append((prep, columns, k))
    for members in groups.values():
        if len(members) < 2:
            continue
        zs = []
        for _prep, columns, k in members:
            st = columns[k].classes
            zs.append((st["class_id"], np.where(st["ok"], st["z_c"], np.nan)))
        for i, (prep, columns, k) in enumerate(members):
            ids, own = zs[i]
            total, count = np.nan_to_num(own), np.isfinite(own).astype(np.float64)
            pairs = []
            for j, (ids_o, z_o) in enumerate(zs):
                if j == i:
                    continue
                pos = np.clip(np.searchsorted(ids_o, ids), 0, max(len(ids_o) - 1, 0))
                hit = (ids_o[pos] == ids) if len(ids_o) else np.zeros(len(ids), bool)
                other = np.where(hit, z_o[pos], np.nan)
                both = np.isfinite(other) & np.isfinite(own)
                total = total + np.where(both, other, 0.0)
                count = count + both
                pairs.append((own[both], other[both]))
            rho = _robust_corr(pairs)
            with np.errstate(invalid="ignore", divide="ignore"):
                pooled = total / np.sqrt(count + count * (count - 1) * rho)
            two = (count >= 2) & np.isfinite(own)
            evidence = np.where(two, np.fmax(own, pooled), own)
            tests = np.where(two, 2.0, 1.0)
            columns[k] = class_gap_column(prep, params, columns[k].classes, evidence, tests)


def _robust_corr(pairs) -> float:
    """Spearman correlation of the class z's of two subjects, as a Pearson one
    (0 with fewer than 20 classes; never below 0)."""
    a = np.concatenate([x for x, _y in pairs]) if pairs else np.zeros(0)
    b = np.concatenate([y for _x, y in pairs]) if pairs else np.zeros(0)
    if len(a) < 20:
        return 0.0
    ra, rb = _stats().rankdata(a), _stats().rankdata(b)
    rho = float(np.corrcoef(ra, rb)[0, 1])
    return max(0.0, 2 * np.sin(np.pi * rho / 6))


def _line_at(x, y, w, eligible, at) -> np.ndarray:
    """The region's robust line of y on x (as `_robust_line`) read at `at`."""
    base = _robust_line(x, y, w, eligible)
    fit = eligible & np.isfinite(x)
    if fit.sum() < 20:
        return np.zeros(len(at))
    slope = np.polyfit(x[fit], base[fit], 1) if np.ptp(x[fit]) > 0 else (0.0, float(base[fit][0]))
    return slope[0] * np.nan_to_num(at) + slope[1]


# ---------------------------------------------------------------------------
# Pairs of pupils in a class whose scores agree beyond their totals


def _score_tables(x: np.ndarray, s: np.ndarray, tm: np.ndarray) -> np.ndarray:
    """P[s, t, k]: the region's chance that a pupil with total s scores k on task t,
    shrunk towards the task's marginal where few pupils have that total."""
    N, T = x.shape
    K = int(tm.max()) + 1
    ns = int(s.max()) + 1
    counts = np.bincount(
        (s[:, None] * (T * K) + np.arange(T)[None, :] * K + x).ravel(), minlength=ns * T * K
    ).reshape(ns, T, K)
    valid = np.arange(K)[None, :] <= tm[:, None]
    marg = counts.sum(axis=0) / N
    cnt = counts.sum(axis=2, keepdims=True).astype(np.float64)[:, :1, :]
    P = (counts + 2.0 * marg[None]) / (cnt + 2.0)
    P = np.where(valid[None], P, 0.0)
    P /= P.sum(axis=2, keepdims=True)
    return P


def _directed_z(x_src, match, s_cop, tables, cell, stride):
    """z of the copier's agreement with the source's actual scores, given the
    copier's total (ω-index style, weighted): each task where the copier has
    the source's score (`match`) counts w = −log of the region's chance p that
    a pupil with the copier's total scores that (agreeing on a mistake a pupil
    of that level rarely makes says much, on a score every such pupil gets
    nothing), against its mean Σ p·w and variance Σ p(1 − p)·w². `tables`:
    w, p·w and p(1 − p)·w² per (total, task, score), flattened; `cell` the
    flat offset of each task, `stride` of each total."""
    w_t, mean_t, var_t = tables
    idx = s_cop[:, None] * stride + cell + x_src  # flat (total, task, score)
    agree = (match * w_t[idx]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (agree - mean_t[idx].sum(axis=1)) / np.sqrt(var_t[idx].sum(axis=1))


def _pair_tables(P: np.ndarray):
    """The flattened per-(total, task, score) tables `_directed_z` reads."""
    w = -np.log(np.clip(P, 1e-4, 1.0))
    return (w.ravel(), (P * w).ravel(), (P * (1 - P) * w**2).ravel())


def _class_pairs_z(x, s, cls_idx, C, P, min_class, max_class):
    """(class, z) of every pupil pair in a class of `min_class` to `max_class` pupils:
    the larger of the two directions' `_directed_z` (either may have copied)."""
    T, K = P.shape[1], P.shape[2]
    cell = (np.arange(T) * K)[None, :]
    tables = _pair_tables(P)
    order = np.argsort(cls_idx, kind="stable")
    sizes = np.bincount(cls_idx, minlength=C)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out_c, out_z = [], []
    for k in np.unique(sizes[(sizes >= min_class) & (sizes <= max_class)]):
        cls = np.flatnonzero(sizes == k)
        iu, ju = np.triu_indices(int(k), 1)
        step = max(1, PAIR_CHUNK // len(iu))
        for lo in range(0, len(cls), step):
            part = cls[lo : lo + step]
            a = order[starts[part][:, None] + iu[None, :]].ravel()
            b = order[starts[part][:, None] + ju[None, :]].ravel()
            xa, xb = x[a], x[b]
            match = xa == xb
            z = np.fmax(
                _directed_z(xa, match, s[b], tables, cell, T * K),
                _directed_z(xb, match, s[a], tables, cell, T * K),
            )
            out_c.append(np.repeat(part, len(iu)))
            out_z.append(z)
    if not out_c:
        return np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_c), np.concatenate(out_z)


def pair_similarity(p: Prepared, params: CheckParams) -> Column:
    """Pairs of pupils in a class whose scores agree beyond what their totals
    predict (answer-copying statistics in the manner of the ω index: the
    copier's agreement with the source's actual scores given the copier's
    total). For a direction source → copier with the copier's total s,
    W = Σ_tasks [same score]·w, w = −log P(source's score | s) from the
    region's score tables, against its mean and variance under those same
    chances (independent pupils); the pair's z is the larger direction's.
    Agreeing on a mistake few pupils of the copier's level make weighs much,
    agreeing on what every such pupil scores weighs nothing. (A copier of a
    near-perfect source gains what a strong pupil scores anyway: that shows
    as a class above its journal marks, `class_journal_gap`, not here.)
    A pair "agrees beyond its totals" when its z passes the region's
    `pair_quantile` of pairs in a class (at least `pair_z`). A class's count
    of such pairs is tested against the region's
    rate of them among pairs in a class (robust: classes in the top 1 % left
    out of the rate) by a quasi-Poisson tail (the region's dispersion between
    classes); Bonferroni over the school's classes.
    A copying group of g pupils makes g(g − 1)/2 such pairs at once; one honest
    look-alike pair does not pass the `pair_min` gate."""
    S = p.n_schools
    if len(p.primary) == 0 or p.res.class_id is None:
        return _empty(PAIR_SIMILARITY, p)
    tm = np.asarray(p.res.task_max)
    x = np.minimum(p.scores0, tm[None, :]).astype(np.int64)
    s = x.sum(axis=1)
    cls_idx, C, cls_school, cls_n = _classes(p)
    P = _score_tables(x, s, tm)
    pc, pz = _class_pairs_z(x, s, cls_idx, C, P, params.min_class, params.max_class)
    pairs = np.bincount(pc, minlength=C).astype(np.float64)
    ok = pairs > 0
    if ok.sum() < 20:
        return _empty(PAIR_SIMILARITY, p)
    # A pair agrees beyond its totals past the region's own quantile of pairs in a
    # class (a short test cannot give any pair a large z), never below the floor.
    fin = np.isfinite(pz)
    cut = max(params.pair_z, float(np.quantile(pz[fin], params.pair_quantile)) if fin.any() else 0)
    hit = np.bincount(pc, weights=pz >= cut, minlength=C)
    share = np.where(ok, hit / np.maximum(pairs, 1), np.nan)
    keep = ok & (share <= np.nanquantile(share[ok], 0.99))
    rate = float(hit[keep].sum() / pairs[keep].sum()) if keep.any() else 0.0
    rate = max(rate, 1e-5)
    expected = rate * pairs
    # Classes differ honestly (one teacher, one curriculum, pairs sharing a
    # pupil): a quasi-Poisson dispersion from the region's classes (Pearson
    # residuals, the top 2 % left out), at least 1; the count over it is read
    # as a Poisson count over it (a gamma tail, continuous in the count).
    pearson = (hit - expected) ** 2 / np.maximum(expected, 1e-9)
    ok_p = keep & (pearson <= np.quantile(pearson[keep], 0.98)) if keep.any() else keep
    phi = max(1.0, float(pearson[ok_p].mean())) if ok_p.any() else 1.0
    p_c = np.where(hit > 0, _stats().gamma.cdf(expected / phi, a=np.maximum(hit, 1e-9) / phi), 1.0)
    worst, n_classes = _worst_class(np.where(ok, -p_c + 1e-12 * hit, np.nan), ok, cls_school, S)
    has_w = worst >= 0
    w = worst[has_w]
    p_school = np.full(S, np.nan)
    p_school[has_w] = p_c[w]
    z = _bonferroni_z(p_school, n_classes)
    eligible = has_w & (p.n >= params.min_school)
    value, ref, size = (np.full(S, np.nan) for _ in range(3))
    value[has_w] = hit[w]
    ref[has_w] = expected[w]
    size[has_w] = cls_n[w]
    gate = np.nan_to_num(value) >= params.pair_min
    k_w = np.maximum(n_classes, 1)
    exp_w = np.where(has_w, np.nan_to_num(ref), 0.0)

    def at(zz):
        # The fewest agreeing pairs in the worst class at which the evidence reaches zz.
        alpha = _stats().norm.sf(np.asarray(zz, dtype=np.float64)) / k_w
        need = phi * (_stats().poisson.isf(alpha, np.maximum(exp_w, 1e-9) / phi) + 1)
        return np.where(has_w, np.maximum(need, params.pair_min), np.nan)

    cut_z = float(_stats().norm.isf(params.similarity_p))
    fired = eligible & gate & (z >= cut_z)
    with np.errstate(invalid="ignore", divide="ignore"):
        pz_max = np.full(C, -np.inf)
        np.maximum.at(pz_max, pc, pz)
    best = np.full(S, np.nan)
    best[has_w] = pz_max[w]
    return Column(
        PAIR_SIMILARITY,
        value=value,
        reference=ref,
        threshold=at(np.full(S, cut_z)),
        fired=fired,
        strong=np.zeros(S, bool),
        n=np.where(has_w, size, 0).astype(np.int64),
        details={
            "z": z,
            "p_value": np.minimum(1.0, p_school * k_w),
            "pair_z_cut": np.full(S, cut),
            "dispersion": np.full(S, phi),
            "pairs_in_class": np.where(has_w, np.nan_to_num(pairs[np.maximum(worst, 0)]), np.nan),
            "largest_pair_z": best,
            "classes": n_classes.astype(np.float64),
        },
        z=z,
        eligible=eligible,
        alone=True,
        recentre=False,
        threshold_at=at,
        gate=gate,
        # Alone only at identical work's strong level, as `similarity`: the
        # quasi-Poisson null sees the region's dispersion between classes, not
        # a class's own (one curriculum, pupils who sit together).
        alone_floor=float(_z_of_p(np.array([params.similarity_strong_p]))[0]),
    )
