"""The second generator of manipulated regions: deterministic, honest where nothing is
planted, each manipulation doing what it says and nothing else, and files that a
region could send and that come into the database through the import commands.

Seeds here (11–60) are apart from the ones the generator was calibrated on (1–3).
"""

import csv
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from schools.models import Region
from tests.generators.second import KINDS, make_region, write_files
from tests.generators.second.forms import REFERENCE_SHARES
from tests.generators.second.region import Sitting

SUBJECT_OF = {"РУ": "russian", "МА": "math"}


def keys_of(planted, year):
    for label in planted.tests:
        grade, subject = label.split()
        yield Sitting(year, int(grade), SUBJECT_OF[subject])


def by_code(results):
    return {(p.school, p.participant_code): p for p in results}


# --- determinism ------------------------------------------------------------------------


def test_the_same_seed_makes_the_same_region_and_the_same_files(tmp_path):
    first = make_region(11, schools=30, manipulated=10, years=(2025, 2026))
    again = make_region(11, schools=30, manipulated=10, years=(2025, 2026))
    assert first.results == again.results and first.truth == again.truth
    assert first.scales == again.scales
    write_files(first, tmp_path / "a", header_style="mixed")
    write_files(again, tmp_path / "b", header_style="mixed")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_another_seed_makes_another_region():
    one = make_region(12, schools=30, manipulated=10, years=(2025, 2026))
    other = make_region(13, schools=30, manipulated=10, years=(2025, 2026))
    assert one.results != other.results
    assert [s.type for s in one.schools] != [s.type for s in other.schools]


# --- the honest region ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def honest():
    return make_region(14, manipulated=0, years=(2024, 2025))


def test_mark_shares_of_an_honest_region_are_near_the_published_ones(honest):
    for key in honest.tests:
        results = honest.results[key]
        counts = Counter(p.mark for p in results)
        shares = [counts[m] / len(results) for m in (2, 3, 4, 5)]
        assert (
            max(abs(a - b) for a, b in zip(shares, REFERENCE_SHARES[key.label], strict=True)) < 0.07
        ), (
            key,
            shares,
        )


def test_an_honest_region_mostly_confirms_the_journal_marks(honest):
    for key in honest.tests:
        pairs = [(p.mark, p.journal_mark) for p in honest.results[key] if p.journal_mark]
        same = sum(m == j for m, j in pairs) / len(pairs)
        two_apart = sum(abs(m - j) >= 2 for m, j in pairs) / len(pairs)
        marks, journal = np.array(pairs).T
        assert 0.5 < same < 0.8, (key, same)
        assert two_apart < 0.06, (key, two_apart)
        assert 0.55 < np.corrcoef(marks, journal)[0, 1] < 0.85
        # Some pupils have no term mark, and the file says nothing there.
        assert any(p.journal_mark is None for p in honest.results[key])


def test_gymnasiums_and_lyceums_have_high_honest_results_and_small_rural_schools_low(honest):
    quality = {}
    for key in honest.tests:
        for p in honest.results[key]:
            quality.setdefault(honest.school(p.school).type, []).append(p.mark >= 4)
    share = {kind: np.mean(marks) for kind, marks in quality.items()}
    assert share["gymnasium"] > share["ordinary"] + 0.1
    assert share["lyceum"] > share["ordinary"] + 0.1
    assert share["small_rural"] < share["ordinary"] - 0.05


def test_basic_tasks_are_mostly_mastered_and_harder_levels_less(honest):
    for key in honest.tests:
        form = honest.form(key)
        scores = np.array([[v or 0 for v in p.scores] for p in honest.results[key]])
        success = scores.mean(axis=0) / np.array([t.max_score for t in form.tasks])
        by_level = {
            level: success[[t.level == level for t in form.tasks]].mean() for level in "БПВ"
        }
        assert by_level["Б"] >= 0.6 and by_level["Б"] > by_level["П"] > by_level["В"], key


def test_a_task_not_attempted_is_kept_apart_from_a_zero(honest):
    results = honest.results[Sitting(2025, 5, "math")]
    cells = [v for p in results for v in p.scores]
    assert 0.01 < cells.count(None) / len(cells) < 0.1
    assert cells.count(0) > cells.count(None)
    assert all(p.total == sum(v for v in p.scores if v is not None) for p in results)


def test_schools_differ_in_type_classes_and_class_sizes(honest):
    assert {s.type for s in honest.schools} >= {
        "ordinary",
        "rural",
        "small_rural",
        "basic",
        "gymnasium",
        "lyceum",
        "advanced",
        "centre",
    }
    classes = Counter()
    for p in (
        honest.results[Sitting(2025, 4, "russian")] + honest.absent[Sitting(2025, 4, "russian")]
    ):
        classes[(p.school, p.class_name)] += 1
    per_school = Counter(school for school, _name in classes)
    assert min(per_school.values()) == 1 and max(per_school.values()) == 6
    assert min(classes.values()) <= 7 and max(classes.values()) >= 29


def test_a_cohort_sits_grade_4_one_year_and_grade_5_the_next_in_the_same_classes(honest):
    grade4 = {p.pupil: p for p in honest.results[Sitting(2024, 4, "math")]}
    grade5 = {p.pupil: p for p in honest.results[Sitting(2025, 5, "math")]}
    followed = grade4.keys() & grade5.keys()
    assert len(followed) > 0.8 * len(grade4)
    for pupil in list(followed)[:500]:
        assert grade4[pupil].school == grade5[pupil].school
        assert grade4[pupil].class_name[1:] == grade5[pupil].class_name[1:]
    totals = np.array([(grade4[p].total, grade5[p].total) for p in followed]).T
    assert np.corrcoef(*totals)[0, 1] > 0.5


def test_the_scales_are_stored_per_year_and_mark_every_result(honest):
    assert {(k.year, k.grade, k.subject) for k in honest.scales} == {
        (k.year, k.grade, k.subject) for k in honest.tests
    }
    for key, scale in honest.scales.items():
        assert scale.max_score == honest.form(key).max_score
        assert all(p.mark == scale.mark(p.total) for p in honest.results[key])
    assert Sitting(2026, 4, "russian") not in honest.scales


# --- manipulations ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair():
    years = (2024, 2025, 2026)
    planted = make_region(21, schools=160, manipulated=40, years=years)
    return planted, make_region(21, schools=160, manipulated=40, years=years, plant=False)


def changed(planted, honest, kind):
    """[(truth, key, planted row, honest row)] of every result a kind changed."""
    found = []
    for truth in planted.truth:
        if truth.kind != kind:
            continue
        for year in truth.years:
            for key in keys_of(truth, year):
                before = by_code(honest.results[key])
                for row in planted.results[key]:
                    if (
                        row.school == truth.school
                        and row != before[(row.school, row.participant_code)]
                    ):
                        found.append((truth, key, row, before[(row.school, row.participant_code)]))
    return found


def test_every_kind_is_planted_in_every_school_type_including_gymnasiums_and_lyceums():
    region = make_region(22, years=(2024, 2025, 2026))
    assert len(region.truth) == 40 and len(region.planted) == 40
    for kind in KINDS:
        types = {t.school_type for t in region.truth if t.kind == kind}
        assert {"gymnasium", "lyceum", "ordinary"} <= types and len(types) >= 6, (kind, types)
    lenient = [t for t in region.truth if t.kind == "lenient"]
    assert {t.scope for t in lenient} == {"school", "classes"}


def test_nothing_changes_outside_the_planted_schools_tests_and_years(pair):
    planted, honest = pair
    assert [replace(t, changed=0) for t in planted.truth] == honest.truth
    scope = {(t.school, key) for t in planted.truth for y in t.years for key in keys_of(t, y)}
    for key in planted.tests:
        assert len(planted.results[key]) == len(honest.results[key])
        for row, before in zip(planted.results[key], honest.results[key], strict=True):
            same_pupil = (row.school, row.participant_code, row.class_name, row.sex, row.pupil)
            assert same_pupil == (
                before.school,
                before.participant_code,
                before.class_name,
                before.sex,
                before.pupil,
            )
            assert row.journal_mark == before.journal_mark  # given before the test
            if (row.school, key) not in scope:
                assert row == before


def test_the_truth_counts_the_pupils_reached_and_the_results_changed(pair):
    planted, honest = pair
    for truth in planted.truth:
        reached = 0
        for year in truth.years:
            for key in keys_of(truth, year):
                rows = [p for p in planted.results[key] if p.school == truth.school]
                if truth.scope == "classes":
                    rows = [p for p in rows if f"{year} {p.class_name}" in truth.classes]
                reached += len(rows)
        assert truth.pupils == reached and 0 <= truth.changed <= truth.pupils, truth
        assert (
            sum(1 for t, *_rows in changed(planted, honest, truth.kind) if t is truth)
            == truth.changed
        )
    assert sum(t.changed > 0 for t in planted.truth) >= 0.9 * len(planted.truth)


def test_lenient_marking_gives_one_more_point_to_imperfect_answers_of_every_level(pair):
    planted, honest = pair
    levels = set()
    for truth, key, row, before in changed(planted, honest, "lenient"):
        form = planted.form(key)
        if truth.scope == "classes":
            assert f"{key.year} {row.class_name}" in truth.classes
        for task, now, was in zip(form.tasks, row.scores, before.scores, strict=True):
            if now != was:
                assert was is not None and now == was + 1 <= task.max_score
                levels.add(task.level)
    assert levels == {"Б", "П", "В"}


def test_a_spike_raises_one_cohort_for_one_year_and_the_same_pupils_are_back_next_year(pair):
    planted, honest = pair
    spikes = [t for t in planted.truth if t.kind == "spike"]
    assert spikes and all(t.years == (planted.target_year,) for t in spikes)
    for truth in spikes:
        for key in keys_of(truth, planted.target_year):
            assert key.grade == 4
            now = [p.total for p in planted.results[key] if p.school == truth.school]
            was = [p.total for p in honest.results[key] if p.school == truth.school]
            assert np.mean(now) > np.mean(was)
            assert all(a >= b for a, b in zip(now, was, strict=True))
            pupils = {p.pupil for p in planted.results[key] if p.school == truth.school}
            next_year = Sitting(key.year + 1, 5, key.subject)
            later = [p for p in planted.results[next_year] if p.pupil in pupils]
            assert later and later == [p for p in honest.results[next_year] if p.pupil in pupils]


def test_boundary_pushing_lifts_pupils_just_below_a_boundary_onto_it(pair):
    planted, honest = pair
    rows = changed(planted, honest, "boundary")
    assert len(rows) >= 20
    for _truth, key, row, before in rows:
        cuts = planted.scales[key].cuts
        cut = next(c for c in cuts if before.total < c)
        assert cut - before.total <= 3 and row.total == cut and row.mark == before.mark + 1
        assert all(b is None or a >= b for a, b in zip(row.scores, before.scores, strict=True))


def test_help_on_hard_tasks_completes_advanced_and_high_tasks_and_leaves_basic_ones(pair):
    planted, honest = pair
    rows = changed(planted, honest, "hard_help")
    assert rows
    for _truth, key, row, before in rows:
        for task, now, was in zip(planted.form(key).tasks, row.scores, before.scores, strict=True):
            if task.level == "Б":
                assert now == was
            elif now != was:
                assert now == task.max_score


def test_copying_leaves_a_group_of_a_class_with_the_same_answers_over_a_long_block(pair):
    planted, honest = pair
    for truth in (t for t in planted.truth if t.kind == "copying"):
        for year in truth.years:
            for key in keys_of(truth, year):
                for name in {c.split()[1] for c in truth.classes if c.startswith(str(year))}:
                    copied = _largest_group(planted.results[key], truth.school, name)
                    assert copied >= 3
                    assert copied > _largest_group(honest.results[key], truth.school, name)


def _largest_group(results, school, name) -> int:
    """How many pupils of a class share with one classmate a run of identical scores
    over most of the form (60 % of the tasks, less two cells)."""
    rows = [p.scores for p in results if (p.school, p.class_name) == (school, name)]
    long = 0.6 * len(rows[0]) - 2
    return max(sum(1 for b in rows if b is not a and _run(a, b) >= long) for a in rows)


def _run(a, b) -> int:
    """The longest run of tasks on which two pupils' scores agree."""
    best = current = 0
    for x, y in zip(a, b, strict=True):
        current = current + 1 if x == y else 0
        best = max(best, current)
    return best


def test_kinds_take_their_intensities_as_parameters():
    from tests.generators.second.manipulations import HardHelp

    mild = make_region(23, schools=60, manipulated=5, kinds=(HardHelp(share=0.1),))
    strong = make_region(23, schools=60, manipulated=5, kinds=(HardHelp(share=0.8),))
    assert [t.params["share"] for t in mild.truth] == [0.1] * 5
    assert sum(t.changed for t in strong.truth) > sum(t.changed for t in mild.truth)
    with pytest.raises(ValueError):
        make_region(23, schools=60, kinds=("bribery",))
    with pytest.raises(ValueError, match="spike"):
        make_region(23, schools=60, years=(2025, 2026), target_year=2026)


# --- files, through the product's import commands ------------------------------------------


@pytest.fixture(scope="module")
def small():
    return make_region(31, schools=10, manipulated=3, years=(2025, 2026))


def check_results_in_database(region, key, entry):
    """Every pupil of `key` is in the database as the generator made them and the
    file (its manifest `entry`) said."""
    from assessments.results.models import Procedure, Result

    procedure = Procedure.objects.get(
        region__code=region.code,
        instrument="vpr",
        subject=key.subject,
        grade=key.grade,
        year=key.year,
    )
    stored = {
        (r.school.code, r.participant_code): r
        for r in Result.objects.filter(procedure=procedure).select_related("school")
    }
    assert len(stored) == len(region.results[key])
    meanings = [{"meaning": c["meaning"]} for c in entry["columns"]]
    for pupil in region.results[key]:
        row = stored[(pupil.school, pupil.participant_code)]
        assert row.scores == list(pupil.scores)
        written = pupil.mark if {"meaning": "mark"} in meanings else None
        assert (row.primary_score, row.mark, row.file_mark) == (pupil.total, pupil.mark, written)
        assert not row.mark_mismatch
        assert row.journal_mark == pupil.journal_mark
        assert (row.class_name, row.sex, row.variant) == (
            pupil.class_name,
            pupil.sex,
            str(pupil.variant),
        )
    return procedure


def entry_of(manifest, key):
    return next(
        f
        for f in manifest["files"]
        if f.get("label") == key.label and f["procedure"]["year"] == key.year
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_canonical_files_come_into_the_database_through_the_import_commands(
    db, small, tmp_path, fmt
):
    from assessments.results.models import Scale
    from schools.models import School
    from tests.generators.second.load import apply_task_levels, import_region

    manifest = write_files(small, tmp_path, fmt=fmt)
    done = import_region(tmp_path)
    assert done["schools"]["ok"] and done["scales"]["ok"], done
    assert all(p["ok"] and not p["warnings"] for p in done["results"].values()), done["results"]
    schools = {s.code: s for s in School.objects.filter(region__code=small.code)}
    assert len(schools) == len(small.schools)
    for school in small.schools:
        if school.type in ("gymnasium", "lyceum"):
            assert schools[school.code].kind == school.type
        assert schools[school.code].locality == ("urban" if school.locality == "город" else "rural")
    for key, scale in small.scales.items():
        stored = Scale.objects.get(
            region__code=small.code, year=key.year, grade=key.grade, subject=key.subject
        )
        assert [tuple(r) for r in stored.ranges] == list(scale.ranges)
    for key in small.tests:
        entry = entry_of(manifest, key)
        procedure = check_results_in_database(small, key, entry)
        assert done["results"][entry["file"]]["absent"] == len(small.absent[key])
        assert procedure.max_score == small.form(key).max_score
    assert apply_task_levels(manifest) > 0
    from assessments.results.models import Task

    levels = {t.number: t.level for t in Task.objects.filter(procedure=procedure)}
    assert levels == {t.number: t.level for t in small.form(key).tasks}
    again = import_region(tmp_path)
    assert all(p["unchanged"] for p in again["results"].values())


def _variant_cases():
    from tests.generators.second.headers import VARIANTS

    cases = [(m, header) for m, variants in VARIANTS.items() for header, _where in variants]
    return cases + [("task", "rcoi"), ("task", "regional")]


@pytest.mark.parametrize(
    ("meaning", "header"),
    [pytest.param(m, h, id=f"{m}:{h}") for m, h in _variant_cases()],
)
def test_a_column_header_as_regions_write_it_is_read_for_what_it_is(
    db, small, tmp_path, meaning, header
):
    from tests.generators.second.headers import LAYOUTS
    from tests.generators.second.load import import_region, import_results_file
    from tests.generators.second.writers import write_result_file

    write_files(small, tmp_path, tests=[])
    import_region(tmp_path)
    layout, task_style = dict(LAYOUTS["canonical"]), "canonical"
    if meaning == "task":
        task_style = header
    elif meaning == "school_code":
        del layout["school_login"]
    if meaning != "task":
        layout[meaning] = header
    key = Sitting(2025, 5, "russian")
    entry = write_result_file(
        small, key, tmp_path / "one.csv", layout=layout, task_style=task_style
    )
    if meaning == "total":
        # A total that disagrees with its tasks is reported on its own row: proof the
        # column was taken for the total.
        with open(tmp_path / "one.csv", encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";"))
        rows[1][rows[0].index(header)] = str(int(rows[1][rows[0].index(header)]) + 1)
        with open(tmp_path / "bad.csv", "w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(rows)
        checked = import_results_file(tmp_path, dict(entry, file="bad.csv"), dry_run=True)
        reported = checked.get("warnings", []) + checked.get("problems", [])
        assert any(p["row"] == 2 for p in reported), reported
    done = import_results_file(tmp_path, entry)
    assert done["ok"], done
    check_results_in_database(small, key, entry)


def _journal_variants():
    from tests.generators.second.headers import VARIANTS

    return [header for header, _where in VARIANTS["journal_mark"]]


@pytest.mark.parametrize(
    "header",
    [pytest.param(h, id=h) for h in _journal_variants()],
)
def test_a_term_mark_column_is_never_taken_for_the_test_mark_in_a_file_without_one(
    db, small, tmp_path, header
):
    from tests.generators.second.headers import LAYOUTS
    from tests.generators.second.load import import_region, import_results_file
    from tests.generators.second.writers import write_result_file

    write_files(small, tmp_path, tests=[])
    import_region(tmp_path)
    layout = {**LAYOUTS["canonical"], "journal_mark": header}
    del layout["mark"]
    key = Sitting(2025, 4, "math")
    entry = write_result_file(small, key, tmp_path / "one.csv", layout=layout)
    done = import_results_file(tmp_path, entry)
    assert done["ok"] and done["mark_mismatches"] == 0, done
    check_results_in_database(small, key, entry)


@pytest.mark.parametrize("style", ["fis", "rcoi", "regional", "mixed"])
def test_a_region_sending_its_files_in_another_layout_lands_whole(db, small, tmp_path, style):
    from tests.generators.second.load import import_region

    manifest = write_files(small, tmp_path, header_style=style, fmt="mixed")
    done = import_region(tmp_path)
    assert done["schools"]["ok"] and done["scales"]["ok"], done
    assert all(p["ok"] for p in done["results"].values()), done["results"]
    for key in small.tests:
        check_results_in_database(small, key, entry_of(manifest, key))


@pytest.mark.parametrize("layout", ["canonical", "fis", "rcoi", "regional"])
def test_the_scales_in_each_common_layout_are_stored_per_year(db, small, tmp_path, layout):
    from assessments.results.models import Scale
    from tests.generators.second.load import run_command
    from tests.generators.second.writers import _write_scales

    Region.objects.get_or_create(code=small.code, defaults={"name": small.name})
    entry = _write_scales(small, tmp_path / "scales.csv", layout)
    done = run_command("import_scales", str(tmp_path / entry["file"]), "--region", small.code)
    assert done["ok"], done
    for key, scale in small.scales.items():
        stored = Scale.objects.get(
            region__code=small.code, year=key.year, grade=key.grade, subject=key.subject
        )
        assert [tuple(r) for r in stored.ranges] == list(scale.ranges)
