"""Constraints and names of the assessments models."""

import pytest
from django.db import IntegrityError

from assessments.results.models import Procedure, Result, Scale


def test_a_procedure_reads_as_people_name_it(world):
    procedure = world.extra["assessments"]["procedure"]
    assert str(procedure) == "ВПР, Математика, 4 кл., 2026 (весна)"


def test_a_procedure_is_unique_in_its_region(world):
    procedure = world.extra["assessments"]["procedure"]
    with pytest.raises(IntegrityError):
        Procedure.objects.create(
            region=procedure.region,
            instrument=procedure.instrument,
            subject=procedure.subject,
            grade=procedure.grade,
            year=procedure.year,
            season=procedure.season,
        )


def test_a_participant_is_held_once_per_school_and_procedure(world):
    result = world.extra["assessments"]["a"]["result"]
    with pytest.raises(IntegrityError):
        Result.objects.create(
            procedure=result.procedure,
            year=result.year,
            region=result.region,
            municipality=result.municipality,
            school=result.school,
            participant_code=result.participant_code,
            primary_score=0,
        )


def test_one_federal_scale_per_key(world):
    with pytest.raises(IntegrityError):
        Scale.objects.create(
            region=None,
            instrument="vpr",
            year=2026,
            grade=4,
            subject="russian",
            max_score=24,
            ranges=[],
        )


def test_results_are_scoped_by_their_school(world):
    a, b = world.extra["assessments"]["a"], world.extra["assessments"]["b"]
    assert list(Result.objects.visible_to(world.bob)) == [a["result"]]
    assert list(Result.objects.visible_to(world.dan)) == [b["result"]]
    assert not Result.objects.visible_to(world.gina).exists()
    assert set(Result.objects.visible_to(world.alice)) == {a["result"], b["result"]}
