"""A class with more pupils far above their journal marks than the region's
classes of its standing: «несоответствие отметок» read per pupil, not per
class mean.

Copying in a class (a group writing the strongest pupil's paper) and lenient
marking both leave pupils whose score stands far above what their journal
mark (given before the test, by their own teachers) predicts: a pupil marked
«3» all year writing a near-perfect paper. Where the source paper is a full
one, the copied papers agree with it only on what every strong pupil scores,
so the answers themselves carry no trace (`pair_similarity` weighs such
agreement at nothing): the journal is the trace. A class mean
(`class_journal_gap`) dilutes a third of a class among the honest rest; the
count of pupils past the region's far tail does not.

Per pupil: the standardised primary score's residual given the journal mark
(the region's mean and spread per mark). A pupil is "far above" past the
region's `journal_tail_quantile` of residuals. Per class the count of such
pupils against the rate the region's classes of similar mean journal mark
show (quintiles of classes by mean journal mark: a strong class's teachers
mark against their own class, so its pupils stand above their marks more
often), read as a quasi-Poisson count with the dispersion the region's
classes show between them (at least 1; the most extreme classes left out of
rate and dispersion); Bonferroni over the school's eligible classes. It
belongs to the journal family (`params.families`): with `journal_gap` and
`class_journal_gap` it counts once towards agreement, and it never stands
alone (teachers' journal habits differ).
"""

from __future__ import annotations

import numpy as np

from ..data import JOURNAL_TAIL
from ..params import CheckParams
from .base import Column, Prepared, _empty, _stats
from .classes import _bonferroni_z, _worst_class
from .similarity import _classes

BANDS = 5  # classes grouped by mean journal mark for the expected rate
SHRINK = 20.0  # pupils of the band's rate added to the school's other pupils'


def _pupil_residual(p: Prepared, has: np.ndarray) -> np.ndarray:
    """The pupil's primary score above the mean of the region's pupils with the
    same journal mark, in their standard deviations (NaN without a journal mark)."""
    x = p.primary.astype(np.float64)
    j = np.where(has, p.res.journal, 0)
    cnt = np.bincount(j[has], minlength=6).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        e1 = np.bincount(j[has], weights=x[has], minlength=6) / cnt
        e2 = np.bincount(j[has], weights=x[has] ** 2, minlength=6) / cnt
        sd = np.sqrt(np.maximum(e2 - e1**2, 0))
        r = (x - e1[j]) / sd[j]
    return np.where(has & np.isfinite(r), r, np.nan)


def _banded_rate(hit, n, mean_j, ok) -> np.ndarray:
    """Per class the share of far-above pupils among the eligible classes of its
    band of mean journal mark (quantile bands), the band's most extreme 1 % of
    classes left out."""
    rate = np.full(len(n), np.nan)
    edges = np.quantile(mean_j[ok], np.linspace(0, 1, BANDS + 1)[1:-1])
    band = np.searchsorted(edges, mean_j, side="right")
    share = np.where(n > 0, hit / np.maximum(n, 1), np.nan)
    for b in range(BANDS):
        sel = ok & (band == b)
        if not sel.any():
            continue
        keep = sel & (share <= np.quantile(share[sel], 0.99))
        r = hit[keep].sum() / max(n[keep].sum(), 1)
        rate[band == b] = r
    return rate


def class_journal_tail(p: Prepared, params: CheckParams) -> Column:
    S = p.n_schools
    has = p.res.journal > 0
    if has.sum() < 50 or p.res.class_id is None:
        return _empty(JOURNAL_TAIL, p)
    r = _pupil_residual(p, has)
    fin = np.isfinite(r)
    cut = float(np.quantile(r[fin], params.journal_tail_quantile))
    far = fin & (r > cut)
    cls_idx, C, cls_school, _cls_n = _classes(p)
    n = np.bincount(cls_idx, weights=fin, minlength=C)
    hit = np.bincount(cls_idx, weights=far, minlength=C)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_j = np.bincount(cls_idx, weights=np.where(fin, p.res.journal, 0), minlength=C) / n
    ok = n >= params.min_class
    if ok.sum() < 20:
        return _empty(JOURNAL_TAIL, p)
    rate = np.maximum(np.nan_to_num(_banded_rate(hit, n, mean_j, ok)), 1e-4)
    expected = rate * n
    pearson = (hit - expected) ** 2 / np.maximum(expected, 1e-9)
    calm = ok & (pearson <= np.quantile(pearson[ok], 0.98))
    phi = max(1.0, float(pearson[calm].mean())) if calm.any() else 1.0
    # The school's other pupils: a class far above only where its neighbours are
    # not (a strong specialist school's classes all stand above their marks),
    # their rate shrunk towards the band's by `SHRINK` pupils.
    H_s = np.bincount(cls_school, weights=hit, minlength=S)
    N_s = np.bincount(cls_school, weights=n, minlength=S)
    h_o, n_o = H_s[cls_school] - hit, N_s[cls_school] - n
    rate_o = (h_o + SHRINK * rate) / (n_o + SHRINK)
    expected = np.maximum(expected, rate_o * n)
    # The count over the dispersion as a Poisson count (a gamma tail, continuous).
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
    size[has_w] = n[w]
    k_w = np.maximum(n_classes, 1)
    exp_w = np.where(has_w, np.nan_to_num(ref), 0.0)

    def at(zz):
        # The fewest far-above pupils in the worst class at which the evidence reaches zz.
        alpha = _stats().norm.sf(np.asarray(zz, dtype=np.float64)) / k_w
        need = phi * (_stats().poisson.isf(alpha, np.maximum(exp_w, 1e-9) / phi) + 1)
        return np.where(has_w, need, np.nan)

    cut_z = params.journal_tail_z
    return Column(
        JOURNAL_TAIL,
        value=value,
        reference=ref,
        threshold=at(np.full(S, cut_z)),
        fired=eligible & (z >= cut_z),
        strong=np.zeros(S, bool),
        n=np.where(has_w, size, 0).astype(np.int64),
        details={
            "z": z,
            "p_value": np.minimum(1.0, p_school * k_w),
            "residual_cut": np.full(S, cut),
            "dispersion": np.full(S, phi),
            "classes": n_classes.astype(np.float64),
        },
        z=z,
        eligible=eligible,
        alone=False,
        # An exact count against the region's classes of its band (with their
        # dispersion): not re-centred on the school's kind.
        recentre=False,
        threshold_at=at,
    )
