"""Stored objectivity checks: a generated region with planted manipulation goes
into the database, a run over it finds the planted schools, stores every
indicator, and answers, exports, the official list and the roadmap feed work
on what it stored."""

import json
from collections import Counter
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from assessments.objectivity.models import (
    CheckFinding,
    CheckRun,
    CheckSchool,
    FlagAnswer,
    OfficialList,
    OfficialListEntry,
)
from assessments.objectivity.selectors import ParamsError, params_with
from assessments.objectivity.services.flags import (
    flag_answer_delete,
    flag_answer_with_measure,
    flag_dismiss,
    flags_into_roadmap,
)
from assessments.objectivity.services.official import official_list_import
from assessments.objectivity.services.runs import check_run_request, reruns_after_import
from infra.problems import ImportFailed
from tests import factories as f
from tests.generators.first import RegionSpec, generate_region
from tests.generators.objectivity_store import generated_region_store, login_of


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


# --- official lists ----------------------------------------------------------------------

OFFICIAL_LIST = (
    Path(__file__).resolve().parents[1] / "data" / "official-bias-list-dagestan-2023-2025.xlsx"
)


def _official_rows():
    import openpyxl

    sheet = openpyxl.load_workbook(OFFICIAL_LIST, read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def dagestan(db):
    """The schools of the real official list, as a region would have them."""
    region = f.region(code="05", name="Республика Дагестан")
    municipalities = {}
    seen = set()
    for _year, login, municipality, name, *_rest in _official_rows()[1:]:
        if login in seen:
            continue
        seen.add(login)
        if municipality not in municipalities:
            municipalities[municipality] = f.municipality(
                region=region, name=municipality, code=f"M{len(municipalities) + 1}"
            )
        f.school(
            municipality=municipalities[municipality],
            name=name[:200],
            code=login[-4:],
            fis_login=login,
        )
    analyst = f.user("dag-analyst", role=f.Role.REGIONAL_ANALYST, node=region)
    return region, analyst


def test_the_real_official_list_imports_whole_and_a_second_time_changes_nothing(dagestan):
    region, analyst = dagestan
    summary = official_list_import(source=str(OFFICIAL_LIST), region=region, by=analyst)
    rows = _official_rows()[1:]
    assert summary["rows"] == len(rows) == 599
    assert summary["schools"] == 341
    assert summary["years"] == [2023, 2024, 2025]
    assert summary["labels"] == ["4 МА", "4 РУ", "5 МА", "5 РУ"]
    # The published file repeats its 2024 block: 148 rows twice, each counted once and said.
    assert len(summary["warnings"]) == 148
    assert all("повторяет строку" in w.message for w in summary["warnings"])
    entries = OfficialListEntry.objects.filter(official_list=summary["list"])
    assert entries.count() == summary["entries"] == 599 - 148
    # The markers are the file's: the row of edu053017 in 2023 has 4 МА and 5 МА.
    entry = entries.get(school__fis_login="edu053017", year=2023)
    assert sorted(entry.markers) == ["4 МА", "5 МА"] and entry.count == 2
    # Schools listed in all three years, as the file says them.
    per_school = Counter(entries.values_list("school_id", flat=True))
    years_per_login = {}
    for year, login, *_rest in rows:
        years_per_login.setdefault(login, set()).add(year)
    in_all = sum(1 for years in years_per_login.values() if len(years) == 3)
    assert sum(1 for n in per_school.values() if n == 3) == in_all == 17
    again = official_list_import(source=str(OFFICIAL_LIST), region=region, by=analyst)
    assert again.get("unchanged") and OfficialListEntry.objects.count() == 599 - 148


def test_an_official_list_with_unknown_schools_and_bad_markers_writes_nothing(dagestan, tmp_path):
    import openpyxl

    region, analyst = dagestan
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Год", "Логин", "Муниципалитет", "ОО", "4 РУ", "4 МА", "Количество маркеров"])
    sheet.append([2024, "edu053001", "Агульский", "Школа", 1, None, 1])
    sheet.append([2024, "edu059999", "Нигде", "Нет такой", 1, None, 1])
    sheet.append([2024, "edu053004", "Агульский", "Школа", "да-да", None, 1])
    sheet.append([2024, "edu053017", "Акушинский", "Школа", 1, 1, 1])
    path = tmp_path / "list.xlsx"
    book.save(path)
    with pytest.raises(ImportFailed) as failed:
        official_list_import(source=str(path), region=region, by=analyst)
    messages = {(p.row, p.message) for p in failed.value.problems}
    assert any(row == 3 and "edu059999" in m and "не найдена" in m for row, m in messages)
    assert any(row == 4 and "Маркер" in m for row, m in messages)
    assert any(row == 5 and "Количество маркеров" in m for row, m in messages)
    assert not OfficialList.objects.exists()


def test_an_official_of_a_municipality_cannot_upload_the_regions_list(dagestan):
    region, _analyst = dagestan
    official = f.user(
        "dag-official", role=f.Role.MUNICIPAL_OFFICIAL, node=region.municipalities.first()
    )
    with pytest.raises(PermissionDenied):
        official_list_import(source=str(OFFICIAL_LIST), region=region, by=official)
    assert not OfficialList.objects.exists()


# --- answers, the roadmap feed, pages (the fixed cast) -------------------------------------


def _finding_a(world):
    return world.extra["assessments"]["a"]["finding"]


def test_an_official_dismisses_a_marker_only_with_a_reason(world):
    finding = _finding_a(world)
    FlagAnswer.objects.filter(school=finding.school).delete()
    with pytest.raises(ValidationError):
        flag_dismiss(finding=finding, reason="  нет ", by=world.bob)
    assert not FlagAnswer.objects.filter(school=finding.school).exists()
    answer = flag_dismiss(finding=finding, reason="Перепроверка подтвердила отметки", by=world.bob)
    assert answer.kind == FlagAnswer.Kind.DISMISSED and answer.answered_by == world.bob


@pytest.mark.parametrize("who", ["carol", "victor", "mia", "dan"])
def test_only_officials_of_the_schools_municipality_answer_a_marker(world, who):
    finding = _finding_a(world)
    FlagAnswer.objects.filter(school=finding.school).delete()
    with pytest.raises(PermissionDenied):
        flag_dismiss(
            finding=finding, reason="Гимназия с профильными классами", by=getattr(world, who)
        )
    assert not FlagAnswer.objects.filter(school=finding.school).exists()


def test_a_measure_of_another_municipalitys_roadmap_cannot_answer_a_marker(world):
    finding = _finding_a(world)
    with pytest.raises(ValidationError):
        flag_answer_with_measure(
            finding=finding, measure=world.extra["roadmap_measure_b"], by=world.alice
        )
    answer = flag_answer_with_measure(
        finding=finding, measure=world.extra["roadmap_measure_a"], by=world.bob
    )
    assert answer.kind == FlagAnswer.Kind.MEASURE


def test_flagged_schools_go_into_the_municipal_roadmap_as_their_own_measures(world):
    from roadmaps.models import Assignment, Measure

    run = world.extra["assessments"]["a"]["run"]
    roadmap = world.extra["roadmap_roadmap_a"]
    counts = flags_into_roadmap(
        run=run, roadmap=roadmap, schools=[world.school_a1, world.school_b1], by=world.bob
    )
    assert counts["schools"] == 1 and counts["measures"] == 4
    measures = Measure.objects.filter(roadmap=roadmap, extra__flag_measure__isnull=False)
    assert measures.count() == 4
    texts = " ".join(m.text for m in measures)
    assert "наблюдател" in texts and "Перепроверка" in texts
    for measure in measures:
        assert list(measure.responsible_schools.all()) == [world.school_a1]
        assert not measure.for_all_schools
    # The roadmap is approved: the schools get assignments, and only the flagged one.
    assigned = set(
        Assignment.objects.filter(measure__in=measures).values_list("school_id", flat=True)
    )
    assert assigned == {world.school_a1.pk}
    answers = FlagAnswer.objects.filter(
        school=world.school_a1, kind=FlagAnswer.Kind.MEASURE, measure__in=measures
    )
    assert answers.count() == 4
    # Again: nothing new.
    again = flags_into_roadmap(run=run, roadmap=roadmap, schools=[world.school_a1], by=world.bob)
    assert again["added"] == 0 and again["answers"] == 0
    assert Measure.objects.filter(roadmap=roadmap, extra__flag_measure__isnull=False).count() == 4


def test_the_roadmap_feed_is_refused_to_a_deputy_and_to_another_municipality(world):
    run = world.extra["assessments"]["a"]["run"]
    with pytest.raises(PermissionDenied):
        flags_into_roadmap(
            run=run,
            roadmap=world.extra["roadmap_roadmap_a"],
            schools=[world.school_a1],
            by=world.carol,
        )
    with pytest.raises((PermissionDenied, ValidationError)):
        flags_into_roadmap(
            run=run,
            roadmap=world.extra["roadmap_roadmap_b"],
            schools=[world.school_a1],
            by=world.dan,
        )


def test_the_run_page_lists_markers_and_the_export_is_the_official_layout(client, world):
    import openpyxl

    run = world.extra["assessments"]["a"]["run"]
    client.force_login(world.bob)
    page = client.get(reverse("objectivity:run-detail", kwargs={"checkrun_pk": run.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Альфа-школа №1" in body and "4 МА" in body and "Бета-школа" not in body
    response = client.get(reverse("objectivity:run-export", kwargs={"checkrun_pk": run.pk}))
    book = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Год", "Логин", "Муниципалитет", "ОО"]
    assert "4 МА" in header and "Количество маркеров" in header
    row = [c.value for c in sheet[2]]
    assert row[header.index("4 МА")] == 1 and row[header.index("Количество маркеров")] == 1
    fired = [[c.value for c in r] for r in book.worksheets[1].iter_rows(min_row=2)]
    assert any("Пики первичных баллов" in str(r[4]) and r[5] == 0.25 for r in fired)
    notes = [c.value for r in book.worksheets[1].iter_rows() for c in r if isinstance(c.value, str)]
    assert any(n.startswith("Отсутствие маркера не доказывает") for n in notes)


def test_the_flag_page_shows_the_numbers_and_takes_an_answer(client, world):
    finding = _finding_a(world)
    FlagAnswer.objects.filter(school=finding.school).delete()
    client.force_login(world.bob)
    url = reverse("objectivity:finding-detail", kwargs={"checkfinding_pk": finding.pk})
    body = client.get(url).content.decode()
    assert "Пики первичных баллов на границах отметок" in body
    assert "0,250" in body and "0,110" in body  # value and threshold, Russian decimals
    assert "p-значение: 0,004" in body  # the supporting numbers, named in Russian
    assert "На маркер ещё нет ответа" in body
    response = client.post(
        reverse("objectivity:finding-answer", kwargs={"checkfinding_pk": finding.pk}),
        {"kind": "dismissed", "reason": "Лицей: профильные классы, перепроверка подтвердила"},
    )
    assert response.status_code == 302
    assert FlagAnswer.objects.get(school=finding.school).reason.startswith("Лицей")
    # A reason too short is refused with a message and nothing changes.
    client.post(
        reverse("objectivity:finding-answer", kwargs={"checkfinding_pk": finding.pk}),
        {"kind": "dismissed", "reason": ""},
    )
    assert FlagAnswer.objects.filter(school=finding.school).count() == 1


def test_a_deputy_reads_the_schools_flag_but_cannot_answer(client, world):
    finding = _finding_a(world)
    client.force_login(world.carol)
    body = client.get(
        reverse("objectivity:finding-detail", kwargs={"checkfinding_pk": finding.pk})
    ).content.decode()
    assert "Пики первичных баллов" in body and "Снять признак" not in body
    response = client.post(
        reverse("objectivity:finding-answer", kwargs={"checkfinding_pk": finding.pk}),
        {"kind": "dismissed", "reason": "Хочу снять этот признак сама"},
    )
    assert FlagAnswer.objects.filter(school=finding.school, reason__startswith="Хочу").count() == 0
    assert response.status_code in (302, 403)


def test_a_run_is_requested_from_the_page_and_refused_for_a_year_without_results(client, world):
    client.force_login(world.bob)
    url = reverse("objectivity:run-list")
    # The page says how small tests are read (they were once said not to be marked at all).
    said = " ".join(client.get(url).content.decode().split())
    assert "писали меньше 20 участников (порог по умолчанию, регион может задать свой)" in said
    response = client.post(url, {"year": 2001, "scope": f"m{world.muni_a.pk}"})
    assert "нет результатов ВПР за 2001 год" in response.content.decode()
    assert not CheckRun.objects.filter(year=2001).exists()
    # A municipality outside the official's reach is not even a choice.
    response = client.post(url, {"year": 2026, "scope": f"m{world.muni_b.pk}"})
    assert (
        response.status_code == 200
        and not CheckRun.objects.filter(municipality=world.muni_b, year=2026)
        .exclude(pk=world.extra["assessments"]["b"]["run"].pk)
        .exists()
    )


def test_an_import_re_runs_the_checks_someone_asked_for(world, django_capture_on_commit_callbacks):
    procedure = world.extra["assessments"]["procedure"]
    before = CheckRun.objects.count()
    with django_capture_on_commit_callbacks(execute=False):
        runs = reruns_after_import(procedure=procedure)
    # One new run per checked scope of the year (A and B), started by the import.
    assert len(runs) == 2 and CheckRun.objects.count() == before + 2
    assert {r.trigger for r in runs} == {CheckRun.Trigger.IMPORT}
    # Asked again while they wait: nothing more is queued.
    with django_capture_on_commit_callbacks(execute=False):
        reruns_after_import(procedure=procedure)
    assert CheckRun.objects.count() == before + 2


def test_region_settings_refuse_unknown_or_mistyped_parameters():
    assert params_with({"min_school": 25}).min_school == 25
    with pytest.raises(ParamsError, match="Неизвестный параметр"):
        params_with({"min_scool": 25})
    with pytest.raises(ParamsError, match="неподходящего вида"):
        params_with({"min_school": "двадцать"})
    with pytest.raises(ParamsError, match="отрицательным"):
        params_with({"level_z": -1})


def test_answers_and_their_withdrawal_stay_in_the_history_the_municipality_reads(client, world):
    from schools.history import ChangeRecord

    finding = _finding_a(world)
    FlagAnswer.objects.filter(school=finding.school).delete()
    answer = flag_dismiss(
        finding=finding, reason="Профильная гимназия, отметки подтверждены", by=world.bob
    )
    answer_id = answer.pk
    flag_answer_delete(answer=answer, by=world.bob)
    records = ChangeRecord.objects.filter(object_type="flaganswer", object_id=answer_id)
    assert [r.action for r in records.order_by("pk")] == ["create", "delete"]
    assert records.get(action="delete").before["reason"].startswith("Профильная")
    client.force_login(world.bob)
    body = client.get(
        reverse("objectivity:finding-detail", kwargs={"checkfinding_pk": finding.pk})
    ).content.decode()
    assert "История ответов" in body and "ответ отозван" in body
    client.force_login(world.dan)
    assert not ChangeRecord.objects.visible_to(world.dan).filter(object_type="flaganswer").exists()


def test_a_draft_roadmaps_order_names_the_flagged_schools(world):
    from roadmaps.services.roadmap import roadmap_create

    run = world.extra["assessments"]["a"]["run"]
    draft = roadmap_create(owner=world.muni_a, title="Проект карты", by=world.bob)
    flags_into_roadmap(run=run, roadmap=draft, schools=[world.school_a1], by=world.bob)
    flags_into_roadmap(run=run, roadmap=draft, schools=[world.school_a1], by=world.bob)
    draft.refresh_from_db()
    named = [i for i in draft.order_items if "признаками необъективных результатов" in i]
    assert len(named) == 1 and "Альфа-школа №1" in named[0]
    # A draft gets no assignments until it is approved.
    assert not draft.measures.filter(assignments__isnull=False).exists()


def test_the_admin_refuses_region_parameters_the_method_does_not_take(client, world):
    from django.contrib.auth import get_user_model

    from assessments.objectivity.models import CheckSettings

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x-Pass-2026!")
    client.force_login(admin)
    settings_row = CheckSettings.objects.get(region=world.region)
    url = reverse("admin:assessments_checksettings_change", args=[settings_row.pk])
    response = client.post(url, {"region": world.region.pk, "overrides": '{"min_scool": 5}'})
    assert response.status_code == 200
    assert "Неизвестный параметр проверки" in response.content.decode()
    settings_row.refresh_from_db()
    assert settings_row.overrides == {"min_school": 20}
    client.post(url, {"region": world.region.pk, "overrides": '{"min_school": 25}'})
    settings_row.refresh_from_db()
    assert settings_row.overrides == {"min_school": 25}
