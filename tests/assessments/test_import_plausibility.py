"""Gates between reading a results file and writing it: a file whose pupils disagree
with the scale, the journal or their own tasks far beyond honest files is refused,
naming the column, the share and how to say what the column is; nothing is written."""

import json
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.results.importers.common import ProcedureKey
from assessments.results.models import (
    ImportBatch,
    Instrument,
    Procedure,
    Result,
    Scale,
    Subject,
    Task,
)
from assessments.results.services.imports import results_import
from infra.problems import ImportFailed
from schools.history import ChangeRecord

TASKS = ["1 (2б)", "2 (2б)", "3 (2б)", "4 (2б)", "5 (2б)"]
RANGES = [[0, 3, 2], [4, 6, 3], [7, 8, 4], [9, 10, 5]]


def mark_of(total):
    return next(m for low, high, m in RANGES if low <= total <= high)


@pytest.fixture
def key(world):
    Scale.objects.create(
        region=world.region,
        instrument=Instrument.VPR,
        year=2024,
        grade=6,
        subject=Subject.MATH,
        kind=Scale.Kind.MARK,
        max_score=10,
        ranges=RANGES,
    )
    return ProcedureKey(instrument=Instrument.VPR, subject=Subject.MATH, grade=6, year=2024)


def pupils(n=60, seed=1):
    """Honest pupils: scores, the total, the scale's mark and a journal mark that is
    the test's or one away from it."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        scores = [rng.choice([0, 1, 1, 2, 2]) for _ in TASKS]
        mark = mark_of(sum(scores))
        journal = min(5, max(2, mark + rng.choice([0, 0, 0, 1, -1])))
        school = "edu770001" if i % 2 else "edu770101"
        rows.append(
            {
                "school": school,
                "code": f"{1000 + i}",
                "scores": scores,
                "total": sum(scores),
                "mark": mark,
                "journal": journal,
                "variant": 1 + i % 2,
            }
        )
    return rows


def write(
    tmp_path,
    rows,
    *,
    mark_header="Отметка",
    journal_header="Отметка за предыдущую четверть",
    extra=(),
    **cells,
):
    """A consolidated CSV; a header None leaves its column out; `cells` maps a column
    (code, total, journal, mark) to a function of the row giving its value; `extra`
    headers are added with empty cells."""
    header = ["Логин ОО", "Код участника", "Вариант", *TASKS, "Итого баллов"]
    header += [h for h in (mark_header, journal_header) if h] + list(extra)
    lines = [";".join(header)]
    for row in rows:
        get = {name: cells.get(name, lambda r, name=name: r[name]) for name in row}
        values = [row["school"], get["code"](row), row["variant"], *row["scores"]]
        values.append(get["total"](row))
        if mark_header:
            values.append(get["mark"](row))
        if journal_header:
            values.append(get["journal"](row))
        values += [""] * len(extra)
        lines.append(";".join(str(v) for v in values))
    path = tmp_path / "svod.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def database():
    return (
        Result.objects.count(),
        Procedure.objects.count(),
        Task.objects.count(),
        ImportBatch.objects.count(),
        ChangeRecord.objects.filter(object_type="results").count(),
    )


def refused(path, key, **options):
    before = database()
    with pytest.raises(ImportFailed) as failed:
        results_import(source=path, procedure_key=key, **options)
    assert database() == before
    return failed.value.problems


def test_an_honest_file_passes_every_gate(world, tmp_path, key):
    rows = pupils()
    outcome = results_import(source=write(tmp_path, rows), procedure_key=key)
    assert outcome.rows == len(rows) and outcome.mark_mismatches == 0
    stored = Result.objects.filter(procedure_id=outcome.procedure_id)
    assert sorted(stored.values_list("journal_mark", flat=True)) == sorted(
        r["journal"] for r in rows
    )


def test_a_few_slips_pass_with_warnings(world, tmp_path, key):
    rows = pupils()
    slips = {rows[0]["code"], rows[1]["code"]}
    path = write(
        tmp_path, rows, mark=lambda r: r["mark"] % 5 + 2 if r["code"] in slips else r["mark"]
    )
    outcome = results_import(source=path, procedure_key=key)
    assert outcome.mark_mismatches == 2


def test_a_term_mark_taken_for_the_tests_mark_stops_the_import_naming_the_column(
    world, tmp_path, key
):
    # The federal form has no column for the test's mark; this region headed the
    # journal's «Отметка» and nothing else.
    rows = pupils()
    path = write(tmp_path, rows, journal_header=None, mark=lambda r: r["journal"])
    [problem] = refused(path, key)
    assert problem.column == "Отметка"
    wrong = sum(1 for r in rows if r["journal"] != r["mark"])
    assert f"у {wrong} из {len(rows)} участников" in problem.message
    assert f"{100 * wrong / len(rows):.1f} %".replace(".", ",") in problem.message
    assert '--column "Отметка=journal_mark"' in problem.message
    assert "Ничего не записано" in problem.message

    outcome = results_import(source=path, procedure_key=key, columns={"Отметка": "journal_mark"})
    stored = dict(
        Result.objects.filter(procedure_id=outcome.procedure_id).values_list(
            "participant_code", "journal_mark"
        )
    )
    assert stored == {r["code"]: r["journal"] for r in rows}


def test_journal_marks_far_from_the_tests_stop_the_import(world, tmp_path, key):
    rows = pupils(n=120)
    # The column holds the class number (5, 6, 7…), not the journal.
    path = write(tmp_path, rows, journal=lambda r: 7 - r["mark"] if r["mark"] != 4 else 2)
    problems = refused(path, key)
    assert [p.column for p in problems] == ["Отметка за предыдущую четверть"]
    assert "на два балла и больше" in problems[0].message


def test_journal_marks_equal_to_the_tests_for_everyone_of_a_large_file_stop_the_import(
    world, tmp_path, key
):
    rows = pupils(n=240)
    path = write(tmp_path, rows, journal=lambda r: r["mark"])
    [problem] = refused(path, key)
    assert problem.column == "Отметка за предыдущую четверть"
    assert "у 240 из 240 участников (100,0 %)" in problem.message
    assert "=file_mark" in problem.message


def test_scores_above_the_tasks_maximum_for_many_pupils_name_the_column(world, tmp_path, key):
    rows = pupils()
    for row in rows[:12]:
        row["scores"][2] = 3  # one task's column shifted in from a three-point task
        row["total"] = sum(row["scores"])
    problems = refused(write(tmp_path, rows), key)
    summary = [p for p in problems if p.row is None]
    assert [p.column for p in summary] == ["3 (2б)"]
    assert "у 12 из 60 участников (20,0 %)" in summary[0].message


def test_totals_that_are_not_the_sum_of_the_tasks_stop_the_import(world, tmp_path, key):
    rows = pupils()
    # The column holds a test score (three times the primary score), not the total.
    path = write(tmp_path, rows, total=lambda r: 3 * r["total"] + 1)
    problems = refused(path, key)
    assert [p.column for p in problems] == ["Итого баллов"]
    assert "не равен сумме баллов по заданиям" in problems[0].message
    assert '--column "Итого баллов=ignore"' in problems[0].message


def test_a_total_that_differs_on_one_row_is_a_warning_and_the_sum_is_taken(world, tmp_path, key):
    rows = pupils()
    first = rows[0]["code"]
    path = write(tmp_path, rows, total=lambda r: r["total"] + (r["code"] == first))
    outcome = results_import(source=path, procedure_key=key)
    assert any("взята сумма" in w.message for w in outcome.warnings)


def test_one_code_for_many_pupils_stops_the_import_naming_the_column(world, tmp_path, key):
    rows = pupils()
    # The column holds the variant, not the participant's code.
    problems = refused(write(tmp_path, rows, code=lambda r: r["variant"]), key)
    summary = [p for p in problems if p.row is None]
    assert [p.column for p in summary] == ["Код участника"]
    assert "повторяется" in summary[0].message


def test_dry_run_json_shows_every_column_with_its_meaning_and_rule(world, tmp_path, key, capsys):
    # «Примечание»: a column nobody here names, shown as not understood.
    path = write(tmp_path, pupils(), extra=["Примечание"])
    call_command(
        "import_results",
        str(path),
        "--instrument=ВПР",
        "--subject=Математика",
        "--grade=6",
        "--year=2024",
        "--dry-run",
        "--json",
    )
    data = json.loads(capsys.readouterr().out)
    columns = {c["header"]: (c["meaning"], c["rule"]) for c in data["columns"]}
    assert columns["Логин ОО"] == ("school_login", "school:login")
    assert columns["Код участника"] == ("participant", "participant:code-of-pupil")
    assert columns["Отметка"] == ("file_mark", "mark:mark-word")
    assert columns["Отметка за предыдущую четверть"] == ("journal_mark", "journal:mark+term")
    assert columns["3 (2б)"] == ("task", "task")
    assert columns["Примечание"] == ("", "")
    assert data["unknown_columns"] == ["Примечание"] and data["ok"]
    assert not Result.objects.filter(procedure__grade=6).exists()


def test_the_command_takes_a_column_override_and_shows_the_refusal_with_its_columns(
    world, tmp_path, key, capsys
):
    rows = pupils()
    path = write(tmp_path, rows, journal_header=None, mark=lambda r: r["journal"])
    arguments = [str(path), "--instrument=ВПР", "--subject=Математика", "--grade=6", "--year=2024"]
    with pytest.raises(CommandError):
        call_command("import_results", *arguments, "--dry-run", "--json")
    refusal = json.loads(capsys.readouterr().out)
    assert not refusal["ok"] and refusal["problems"][0]["column"] == "Отметка"
    assert {"header": "Отметка", "meaning": "file_mark", "rule": "mark:mark-word"} in refusal[
        "columns"
    ]
    call_command("import_results", *arguments, "--column", "Отметка=journal_mark", "--json")
    done = json.loads(capsys.readouterr().out)
    assert done["ok"] and done["rows"] == len(rows)
    assert {"header": "Отметка", "meaning": "journal_mark", "rule": "override"} in done["columns"]
    assert Result.objects.filter(procedure_id=done["procedure_id"], journal_mark=None).count() == 0


def test_an_override_naming_a_column_the_file_lacks_is_refused(world, tmp_path, key):
    problems = refused(write(tmp_path, pupils()), key, columns={"Оценка за год": "journal_mark"})
    assert any("Столбца «оценка за год» в файле нет" in p.message for p in problems)


def test_one_schools_journal_far_from_its_test_is_not_taken_for_a_wrong_column(
    world, tmp_path, key
):
    # A school whose journal says 4 and 5 where the test says 2 and 3: a finding about
    # the school (the journal indicator's business), not a column read wrongly.
    rows = pupils(n=40)
    path = write(tmp_path, rows, journal=lambda r: min(5, r["mark"] + 2))
    outcome = results_import(source=path, procedure_key=key)
    assert outcome.rows == 40


def test_an_import_from_the_command_line_re_runs_the_checks_of_its_year(
    world, tmp_path, key, django_capture_on_commit_callbacks
):
    # Someone checked the region's 2024; a file imported by the command then changes
    # the year's results: the checks are asked for again, as after an upload.
    from assessments.objectivity.models import CheckRun

    CheckRun.objects.create(
        region=world.region,
        year=2024,
        trigger=CheckRun.Trigger.MANUAL,
        status=CheckRun.Status.DONE,
    )
    path = write(tmp_path, pupils())
    arguments = [str(path), "--instrument=ВПР", "--subject=Математика", "--grade=6", "--year=2024"]
    with django_capture_on_commit_callbacks(execute=False):
        call_command("import_results", *arguments, "--dry-run")
    assert not CheckRun.objects.filter(trigger=CheckRun.Trigger.IMPORT).exists()
    with django_capture_on_commit_callbacks(execute=False):
        call_command("import_results", *arguments)
    rerun = CheckRun.objects.filter(trigger=CheckRun.Trigger.IMPORT)
    assert [(r.region_id, r.year, r.municipality_id) for r in rerun] == [
        (world.region.pk, 2024, None)
    ]
    # The same file again changes nothing and asks for nothing.
    with django_capture_on_commit_callbacks(execute=False):
        call_command("import_results", *arguments)
    assert rerun.count() == 1
