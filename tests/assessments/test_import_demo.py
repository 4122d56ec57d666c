"""Demo results: believable, from a fixed seed, and idempotent."""

import pytest

from assessments.demo import build_demo_results
from assessments.results.models import Instrument, Procedure, Result


@pytest.fixture
def demo_tree(db):
    from schools.demo import build_demo_tree

    build_demo_tree()


def test_demo_results_fill_three_years_of_vpr_and_one_of_exams_and_run_again_alike(demo_tree):
    first = build_demo_results(seed=2026)
    rows = sorted(
        Result.objects.values_list(
            "school__code", "procedure__year", "participant_code", "primary_score"
        )
    )
    again = build_demo_results(seed=2026)
    assert first == again and first["results"] == Result.objects.count() > 1000
    assert (
        sorted(
            Result.objects.values_list(
                "school__code", "procedure__year", "participant_code", "primary_score"
            )
        )
        == rows
    )
    years = set(Procedure.objects.filter(instrument=Instrument.VPR).values_list("year", flat=True))
    assert years == {2023, 2024, 2025}
    assert Procedure.objects.filter(instrument=Instrument.OGE, year=2025, grade=9).count() == 3
    assert Procedure.objects.filter(instrument=Instrument.EGE, year=2025, grade=11).count() == 3

    # marks follow the scales, and "not attempted" is kept apart from 0
    procedure = Procedure.objects.filter(instrument=Instrument.VPR, subject="math", grade=4).first()
    results = list(Result.objects.filter(procedure=procedure))
    assert {r.mark for r in results} == {2, 3, 4, 5}
    assert all(r.mark == 2 for r in results if r.primary_score <= 5)
    assert any(None in r.scores for r in results)
    assert all(len(r.scores) == procedure.tasks.count() for r in results)
    ege = Result.objects.filter(procedure__instrument=Instrument.EGE).first()
    assert ege.mark is None and 0 <= ege.test_score <= 100 and ege.person_hash
