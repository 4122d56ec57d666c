"""The second generator of manipulated regions (issue #13, item 5).

Written apart from the first generator (`tests/generators/first.py`) and
from the method it tests (`assessments/objectivity/checks/`), neither of which was read: its
choices come from the domain notes (`/work/shared/DOMAIN.md`), the federal forms
and the literature named below, so that the checks can be measured on regions
nobody tuned them on.

    region = make_region(seed, schools=240, manipulated=40, kinds=KINDS,
                         years=(2023, 2024, 2025, 2026))
    manifest = write_files(region, folder, header_style="mixed", fmt="csv")
    load.import_region(folder)            # through import_schools/_scales/_results
    load.apply_task_levels(manifest)      # Б/П/В, which no file carries

`region.results[Sitting(year, grade, subject)]` lists `PupilResult`s (school code,
class, sex, participant code, variant, scores with None for «x», journal mark,
total, mark, and the pupil's identity across years); `region.scales`,
`region.forms`, `region.schools`, `region.absent`, and `region.truth`, one
`Planted` per manipulated school (kind, scope, tests as the official lists label
them, years, classes, pupils reached, results changed, intensities).
`make_region(…, plant=False)` is the same region with the same truth and nothing
applied: the honest counterfactual. Same seed, same region, same files.

The region
----------
* Municipalities: a regional capital (about a quarter to a third of the schools),
  one to three towns, the rest rural districts (one for about eleven schools).
* School types and what their pupils bring (logits against an ordinary urban
  school): ordinary 0, rural −0.1, small rural −0.25, basic (ООШ) −0.2, gymnasium
  +0.6, lyceum +0.65, school with advanced study +0.35, education centre −0.05,
  primary (НОШ, grade 4 only) 0; capital +0.1, districts −0.1 ± 0.1; each school
  ± 0.28 of its own. Gymnasiums and lyceums sit in towns and district centres,
  small and basic schools in villages. Classes a grade 1–6, 5–30 pupils a class,
  by type (small rural 1 × 5–12, gymnasium 2–5 × 24–30…). About a fifth of the
  variance of totals lies between schools (0.20–0.25), as international studies
  report for Russia (PIRLS, PISA: roughly 15–25 %, quoted from memory).
* Pupils: ability = school + cohort (± 0.12) + own (± 0.7), plus a subject
  deviation (± 0.35; girls +0.12 in Russian). A cohort sits grade 4 in year y and
  grade 5 in y + 1 in the same classes, 4 % having left and 5 % new, each pupil
  moved by a growth of ± 0.3 (grade 4 to grade 5 correlation of totals 0.68–0.77).
  Teachers add a class effect (grade 4: one teacher for both subjects, ± 0.12 and
  ± 0.06 per subject; grade 5: ± 0.15 per subject teacher); the school's own
  markers are more or less severe on criteria tasks (± 0.12, ± 0.05 a year).
  4 % of the pupils on a list are absent («отсутствовал»).
* Tests (`forms.py`): grade 4 Russian as the 2026 demonstration version (12
  tasks, 24 points, scale 0–9/10–15/16–20/21–24); grade 4 maths with the task
  headers of the real form in `/work/shared/data` (`5.1 (1б)`, `11.3 k1 (2б)`, 20
  points, scale 0–5/6–9/10–14/15–20); grade 5 Russian modelled on the 2020–2024
  form (dictation by criteria `1 k1`…, 45 points, scale 0–17/18–28/29–38/39–45);
  grade 5 maths (20 points, 0–6/7–11/12–15/16–20). Each task has a level Б, П or
  В (mostly Б, as in the кодификаторы).
* Scores: the generalized partial credit model (Muraki 1992), one uniform draw a
  cell so that more ability never scores less. Difficulty by level Б −1.2, П 0.1,
  В 1.0 (± 0.45/0.4/0.35; evenly spaced quantiles, so a seed changes which task is
  hard, not how hard the form is), slopes 0.7–1.3, steps 0.55 apart. A form is
  placed so that a population N(0, 1) scores its `mean_share` of the maximum; a
  year's variants are easier or harder by one point in one year of four on each
  side, and that year's scale moves its boundaries by the same point, as federal
  scales follow their forms: scales are stored per instrument, year, grade and
  subject. `mean_share` and `stretch` were set on seeds 1–3 so that an honest
  region's marks lie within about 0.04 of REFERENCE_SHARES, approximate national
  shares of recent ВПР years; the tests read seeds 11 and up.
* Blanks: a task the pupil would have scored 0 on is left blank («x», kept apart
  from 0) more often when it is hard, late in the form or the pupil weak: 2–6 %
  of cells.
* Journal marks: the teacher's view of the pupil (0.85 × ability, a class
  leniency ± 0.2, noise ± 0.25), partly judged against the pupil's own school
  (−0.35 × the school's mean: the reference-group effect of grading, strong
  schools mark harder), cut at term-mark shares with «2» rare (JOURNAL_SHARES).
  Correlation with the test total 0.70–0.79 (teacher judgement meta-analysis:
  Südkamp, Kaiser & Möller 2012, mean r ≈ 0.63); 54–62 % «подтвердили», more
  «понизили» than «повысили», most in grade 5 Russian. 1 % have no term mark.

Manipulations (`manipulations.py`), planted in the target year (the last year but
one, so a spike's fall shows), 35 % of schools also the year before (DOMAIN.md:
many listed schools recur). Journal marks are never touched: they were given by
the pupils' own teachers before the test. Kinds are spread evenly over the
planted schools and each kind over school types, gymnasiums and lyceums first.

* lenient: every imperfect, attempted answer gets one point more with
  probability 0.4 (school-wide: every class of the chosen tests) or 0.5 (one or
  two classes of one teacher): the school's mean rises by about 0.4 SD and its
  share of «повысили» about doubles. Russian practice names «необъективная
  проверка» by the school's own teachers, since ВПР are marked in the school.
* spike: one cohort's grade 4 tests, one year, as if 0.7 logits abler (papers
  corrected: every task, consistently); the same pupils the next year in grade 5,
  marked by other teachers, are honest. Jacob & Levitt (2003), «Rotten Apples»,
  QJE 118(3): unexpected large gains followed by a fall.
* boundary: a pupil up to 2 points (3 on the 45-point form) below a boundary is
  raised onto it with probability 0.6, the points found in criteria-marked tasks
  first. Dee, Dobbie, Jacob & Rockoff (2019), AEJ: Applied 11(3): about 40 % of
  Regents scores just below a cut-off were re-scored over it by the school's
  teachers; a school that does it does it more often than the average.
* hard_help: an advanced or high task (П, В) answered short of its maximum is
  made complete with probability 0.3, basic tasks are left: the «difficulty
  inversion» the federal supervisor describes (DOMAIN.md) and the person misfit
  (Guttman errors) of Meijer & Sijtsma (2001).
* copying: in one or two classes of eight or more, a third of the pupils (at
  least four) write the strongest classmate's scores over a block of 60–100 % of
  consecutive tasks, 5 % of cells their own: Jacob & Levitt's identical answer
  blocks; answer-copying indices (Wollack 1997).

Files (`writers.py`, `headers.py`): the school list (`import_schools`' columns),
the scales in four common layouts (one «Первичный балл» column «0–9», «0-9» or
«от 0 до 9», or «Балл от»/«Балл до»), and one consolidated file per procedure: a
pupil a row with the school's login or code, class, sex, participant code,
variant, task columns, total, mark (absent in the federal form's layout) and the
term mark, plus «отсутствовал» rows. Layouts: "canonical" (what the importer read
before issue #13), "fis" (the federal form's wording and order), "rcoi" (codes of
municipality and school, «Задание 1 (1 балл)», cp1251, a title row), "regional"
(names, line breaks, notes in brackets, «х» in Cyrillic, cp1251), "mixed" (every
file draws each column's wording from `headers.VARIANTS`). The manifest names
every column's meaning, the tasks' levels and the truth.

Not modelled: ОГЭ/ЕГЭ, ВПР with objectivity control and re-marking (external
confirmation); form changes across years; mixed-grade classes; pupils moving
between schools other than at grade 5; НОШ pupils are not followed into grade 5.
"""

from tests.generators.second.manipulations import KINDS
from tests.generators.second.region import Sitting, make_region
from tests.generators.second.writers import write_files

__all__ = ["KINDS", "Sitting", "make_region", "write_files"]
