"""Stored objectivity checks: a generated region with planted manipulation goes
into the database, a run over it finds the planted schools, stores every
indicator, and answers, exports, the official list and the roadmap feed work
on what it stored."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.checks.generator import RegionSpec, generate_region
from assessments.models import CheckFinding, CheckRun, CheckSchool
from assessments.objectivity_generated import generated_region_store, login_of
from assessments.objectivity_services import check_run_request
from tests import factories as f


@pytest.fixture
def generated(db):
    spec = RegionSpec(
        n_schools=90, n_municipalities=3, years=(2024, 2025), target_year_index=1, cheat_share=0.15
    )
    region = generate_region(spec, seed=11)
    stored = generated_region_store(region, code="91", name="Тестовый край")
    return region, stored


def planted_rows(generated_region, year):
    return {
        row
        for row, planted in generated_region.truth.items()
        if any(y == year for y, _g, _s in planted.procedures)
    }


def test_a_run_finds_the_planted_schools_and_stores_every_indicator(
    generated, django_capture_on_commit_callbacks
):
    region, stored = generated
    analyst = f.user("analyst", role=f.Role.REGIONAL_ANALYST, node=stored)
    with django_capture_on_commit_callbacks(execute=True):
        run = check_run_request(user=analyst, year=region.target_year, region=stored)
    run.refresh_from_db()
    assert run.status == CheckRun.Status.DONE, run.error
    flagged = {row.school.fis_login for row in CheckSchool.objects.filter(run=run, markers__gt=0)}
    planted = {login_of("91", r) for r in planted_rows(region, region.target_year)}
    assert planted, "the generator planted nothing"
    found = len(flagged & planted) / len(planted)
    assert found >= 0.7, f"found {found:.2f} of planted schools"
    # Every school with results has a row, flagged or not, each with all its indicators.
    assert CheckSchool.objects.filter(run=run).count() == run.counts["schools"]
    finding = CheckFinding.objects.filter(run=run, marker=False).first()
    names = {i["name"] for i in finding.indicators}
    assert {"level", "inversion", "journal", "bunching", "similarity", "persistence"} <= names
    for indicator in finding.indicators:
        assert {"value", "reference", "threshold", "fired", "n"} <= indicator.keys()
    assert run.params["min_school"] == 20 and run.method_version


def test_the_command_prints_the_json_shape_for_one_municipality(generated):
    region, stored = generated
    municipality = stored.municipalities.order_by("code").first()
    out = StringIO()
    call_command(
        "check_objectivity",
        "--year",
        str(region.target_year),
        "--municipality",
        municipality.code,
        "--json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    assert payload["run"]["year"] == region.target_year
    assert payload["run"]["municipality"] == municipality.code
    codes = {s["code"] for s in payload["schools"]}
    expected = set(
        municipality.schools.filter(results__procedure__year=region.target_year)
        .values_list("fis_login", flat=True)
        .distinct()
    )
    assert codes == expected
    school = payload["schools"][0]
    assert {"code", "name", "markers", "procedures"} <= school.keys()
    procedure = school["procedures"][0]
    assert {"instrument", "year", "grade", "subject", "pupils", "marker", "indicators"} <= (
        procedure.keys()
    )
    assert {"name", "value", "reference", "threshold", "fired"} <= procedure["indicators"][0].keys()


def test_the_command_refuses_a_year_without_results_in_russian(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="нет результатов ВПР за 2001 год"):
        call_command("check_objectivity", "--year", "2001", "--region", world.region.code)
    assert not CheckRun.objects.filter(year=2001).exists()
