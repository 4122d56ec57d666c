"""How much each planted manipulation of the second generator changed, as the
region's data of the checked year shows it: for bench/evaluate_budget.py, so
that a miss reads as a weak manipulation or as the method's blind spot.

The generator's truth counts the results it changed over all the years it
planted in; the checks read one year. Here the planted region is compared
with its honest counterfactual (`make_region(..., plant=False)`: the same
pupils, the same draws, nothing applied), pupil by pupil, in the checked year
and the planted tests only:

* changed: pupils whose scores differ from their honest ones;
* share: changed over all the school's pupils who sat those tests that year
  (every class, also where one or two classes were planted);
* d_primary, d_mark: the mean change of primary score and of mark over the
  changed pupils; marks_changed: pupils whose mark moved;
* shift_sd: the school's mean primary score moved, in SDs of the region's
  honest pupils of the test (over all the school's pupils of those tests).
  Schools' honest means spread by about half an SD (a fifth of the variance
  lies between schools), so a shift well under that hides among the schools
  unless something else (the journal, the years before, the answers' pattern)
  says what the school should have scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Bands of the share of the school's pupils changed (issue #13, round 2).
SHARE_BANDS = ((0.05, "<5 %"), (0.15, "5-15 %"), (float("inf"), ">15 %"))
SHIFT_BANDS = ((0.2, "<0.2 SD"), (0.4, "0.2-0.4 SD"), (float("inf"), ">0.4 SD"))


@dataclass(frozen=True)
class Effect:
    pupils: int  # the school's pupils in the planted tests of the year
    changed: int
    marks_changed: int
    d_primary: float  # mean over the changed pupils
    d_mark: float
    shift_sd: float

    @property
    def share(self) -> float:
        return self.changed / self.pupils if self.pupils else 0.0

    @property
    def band(self) -> str:
        return next(name for limit, name in SHARE_BANDS if self.share < limit)

    @property
    def shift_band(self) -> str:
        return next(name for limit, name in SHIFT_BANDS if self.shift_sd < limit)

    def line(self) -> str:
        return (
            f"changed {self.changed:>3}/{self.pupils:<3} ({self.share:5.1%}), "
            f"Δprimary {self.d_primary:+.2f}, Δmark {self.d_mark:+.2f} "
            f"({self.marks_changed} marks moved), school mean {self.shift_sd:+.2f} SD"
        )


def planted_effects(region, honest, year: int) -> dict[str, Effect]:
    """{school code: Effect} for every planted school of `region`, against
    `honest`, the same seed made with `plant=False`."""
    wanted = {(t.school, label) for t in region.truth for label in t.tests}
    sums: dict[str, list] = {t.school: [0, 0, 0, 0, 0, 0.0] for t in region.truth}
    for key in region.tests:
        if key.year != year:
            continue
        after, before = region.results[key], honest.results[key]
        if len(after) != len(before):
            raise ValueError(f"{key}: the honest counterfactual has other pupils")
        sd = float(np.std([b.total for b in before])) or 1.0
        for a, b in zip(after, before, strict=True):
            if (a.school, key.label) not in wanted:
                continue
            if a.pupil != b.pupil:
                raise ValueError(f"{key}: pupils out of step with the honest counterfactual")
            s = sums[a.school]
            s[0] += 1
            if a.scores != b.scores:
                s[1] += 1
                s[2] += a.mark != b.mark
                s[3] += a.total - b.total
                s[4] += a.mark - b.mark
                s[5] += (a.total - b.total) / sd
    return {
        code: Effect(
            pupils=n,
            changed=changed,
            marks_changed=marks,
            d_primary=d_total / changed if changed else 0.0,
            d_mark=d_mark / changed if changed else 0.0,
            shift_sd=shift / n if n else 0.0,
        )
        for code, (n, changed, marks, d_total, d_mark, shift) in sums.items()
    }
