"""The objectivity monitoring document: the schools with markers of the latest
finished run, the indicators behind them, answers and earlier years, in PDF,
DOCX and XLSX, for a municipality or the region, within the user's reach; and
the flags it feeds into the analytic report."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.http import Http404
from django.utils import timezone
from docx import Document as WordDocument
from openpyxl import load_workbook

from assessments.objectivity.checks.data import INDICATOR_LABELS
from assessments.objectivity.models import CheckFinding, CheckRun, CheckSchool
from assessments.objectivity.services.flags import flag_answer_delete, flag_dismiss
from assessments.objectivity.services.runs import check_run_request
from reports.builders import DocumentParamsError, builder_for
from reports.builders import documents as _registered  # noqa: F401  (every builder registers)
from reports.models import Document
from reports.services import document_render_bytes, document_render_html, document_request
from tests import factories as f
from tests.conftest import require_service
from tests.generators.first import RegionSpec, generate_region
from tests.generators.objectivity_store import generated_region_store


@pytest.fixture(autouse=True)
def empty_cache():
    """Reference tables are cached by row ids, which SQLite reuses after a rollback."""
    cache.clear()


@pytest.fixture
def generated(db):
    """A small generated region with planted manipulation, checked region-wide
    for 2024 and 2025 (the earlier year is the history of the later)."""
    spec = RegionSpec(
        n_schools=30, n_municipalities=2, years=(2024, 2025), target_year_index=1, cheat_share=0.2
    )
    region = generate_region(spec, seed=5)
    stored = generated_region_store(region, code="91", name="Тестовый край")
    analyst = f.user("analyst", role=f.Role.REGIONAL_ANALYST, node=stored)
    runs = {
        year: check_run_request(user=analyst, year=year, region=stored, queue=False)
        for year in (2024, 2025)
    }
    assert all(run.status == CheckRun.Status.DONE for run in runs.values())
    return stored, analyst, runs


def xlsx_sheets(content: bytes) -> dict:
    workbook = load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}


def table_rows(rows):
    """The rows of a sheet's table: up to the first empty row (notes stand below)."""
    out = []
    for row in rows[1:]:
        if all(v is None for v in row):
            break
        out.append(row)
    return out


def pdf_text(content: bytes, tmp_path) -> str:
    require_service(
        "pdftotext", shutil.which("pdftotext") is not None, "apt-get install poppler-utils"
    )
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def content(document) -> bytes:
    with document.file.open("rb") as stream:
        return stream.read()


def build(fmt, params, user, capture):
    with capture(execute=True):
        document = document_request(kind="objectivity", fmt=fmt, params=params, user=user)
    document.refresh_from_db()
    assert document.status == Document.Status.DONE, document.error
    return document


# --- the numbers ------------------------------------------------------------------------------


def test_the_region_workbook_holds_the_stored_markers_indicators_and_history(generated):
    region, analyst, runs = generated
    run = runs[2025]
    content, _pages = document_render_bytes(
        kind="objectivity", fmt="xlsx", params={"year": 2025, "region": region.pk}, user=analyst
    )
    sheets = xlsx_sheets(content)

    # The official-style list: every school with a marker, 1 per test with a marker.
    flagged = CheckSchool.objects.filter(run=run, markers__gt=0).select_related("school")
    assert flagged.count() >= 2, "the generated region should have flagged schools"
    header = sheets["Перечень"][0]
    labels = run.counts["labels"]
    assert header == ["№", "ОО", "Логин", "Муниципалитет", *labels, "Количество маркеров"]
    listed = {row[2]: row for row in table_rows(sheets["Перечень"])}
    assert set(listed) == {row.school.fis_login for row in flagged}
    for row in flagged:
        cells = listed[row.school.fis_login]
        assert cells[4:-1] == [1 if label in row.marker_labels else 0 for label in labels]
        assert cells[-1] == row.markers == len(row.marker_labels)

    # Every fired indicator of every marker, with the stored value, reference and threshold.
    expected = set()
    for finding in CheckFinding.objects.filter(run=run, marker=True).select_related("school"):
        for i in finding.indicators:
            if i["fired"]:
                label = str(INDICATOR_LABELS[i["name"]])
                if i["strong"]:
                    label += " (сильный)"
                expected.add(
                    (finding.school.fis_login, finding.label, label, i["value"], i["threshold"])
                )
    shown = {(r[0], r[3], r[4], r[5], r[7]) for r in table_rows(sheets["Показатели школ"])}
    assert shown == expected

    # How many schools each indicator fired for, by test.
    fired = {}
    for finding in CheckFinding.objects.filter(run=run):
        for i in finding.indicators:
            if i["fired"]:
                key = (str(INDICATOR_LABELS[i["name"]]), finding.label)
                fired[key] = fired.get(key, 0) + 1
    by_indicator = {(r[0], r[1]): r[3] for r in table_rows(sheets["По показателям"])}
    assert by_indicator == fired

    # Earlier years: the school's markers in the region-wide run of 2024.
    earlier = {
        row.school.full_name: ", ".join(row.marker_labels) or "нет"
        for row in CheckSchool.objects.filter(run=runs[2024]).select_related("school")
    }
    history = table_rows(sheets["История"])
    assert sheets["История"][0][2:] == ["2024", "2025"]
    assert history and all(r[2] == earlier.get(r[0], "не проверялась") for r in history)

    # Flagged schools per municipality and year.
    per_year = {r[0]: r[1:] for r in table_rows(sheets["По годам"])}
    for name, counts in per_year.items():
        assert counts == [
            CheckSchool.objects.filter(run=runs[y], markers__gt=0, municipality__name=name).count()
            for y in (2024, 2025)
        ]


def test_a_municipal_official_reads_only_the_own_municipality(
    generated, tmp_path, django_capture_on_commit_callbacks
):
    region, _analyst, runs = generated
    run = runs[2025]
    flagged = CheckSchool.objects.filter(run=run, markers__gt=0).select_related(
        "school", "municipality"
    )
    ours = flagged.first().municipality
    other = region.municipalities.exclude(pk=ours.pk).get()
    official = f.user("official", role=f.Role.MUNICIPAL_OFFICIAL, node=ours)
    params = {"year": 2025, "municipality": ours.pk}

    document = build("pdf", params, official, django_capture_on_commit_callbacks)
    assert document.municipality == ours and document.built_from["run"] == run.pk
    text = pdf_text(content(document), tmp_path)
    text = " ".join(text.split())
    for row in flagged:
        if row.municipality_id == ours.pk:
            assert row.school.fis_login in text
        else:
            assert row.school.fis_login not in text
    # «Муниципалитет 2» is not a prefix of a year: a column «Муниципалитет» next to
    # «2024» reads «Муниципалитет 2024» in the extracted text.
    named = re.compile(re.escape(other.name) + r"(?!\d)")
    assert ours.name in text and not named.search(text)

    html = document_render_html(kind="objectivity", params=params, user=official)
    assert not named.search(html)
    for login in other.schools.values_list("fis_login", flat=True):
        assert login not in html
    with pytest.raises(Http404):
        builder_for("objectivity").prepare(
            params={"year": 2025, "municipality": other.pk}, user=official
        )
    with pytest.raises((Http404, DocumentParamsError)):
        builder_for("objectivity").prepare(
            params={"year": 2025, "region": region.pk}, user=official
        )


def test_the_analytic_report_of_the_region_shows_the_fired_indicators_of_its_procedure(
    generated,
):
    region, analyst, runs = generated
    finding = (
        CheckFinding.objects.filter(run=runs[2025], marker=True)
        .select_related("procedure", "school")
        .first()
    )
    builder = builder_for("analytic")
    prepared = builder.prepare(
        params={"procedure": finding.procedure_id, "level": "region"}, user=analyst
    )
    assert prepared.built_from["objectivity_run"] == runs[2025].pk
    flags = builder.context(prepared)["flags"]
    expected = sum(
        1
        for other in CheckFinding.objects.filter(
            run=runs[2025], marker=True, procedure=finding.procedure
        )
        for i in other.indicators
        if i["fired"]
    )
    assert len(flags) == expected > 0
    assert {flag["test"] for flag in flags} == {finding.label}
    assert finding.school.short_name in {flag["school"] for flag in flags}


# --- the world's runs: one per municipality, answered -----------------------------------------


def test_the_document_shows_the_answer_and_the_indicators_of_the_municipalitys_run(world):
    made = world.extra["assessments"]
    params = {"year": 2026, "municipality": world.muni_a.pk}
    html = document_render_html(kind="objectivity", params=params, user=world.bob)
    assert "Альфа-школа №1" in html and "Бета-школа" not in html
    assert "признак снят: Перепроверка подтвердила отметки." in html
    assert "Пики первичных баллов на границах отметок" in html
    # What a school without a marker means, with the run's least size of a test.
    assert "Отсутствие маркера не доказывает, что результаты объективны." in html
    assert "писали меньше 20 участников" in html
    assert "Отметки за работу выше журнальных" in html
    # value, region reference and threshold of the bunching indicator as stored
    assert "0,25" in html and "0,11" in html and "0,41" in html and "0,35" in html
    prepared = builder_for("objectivity").prepare(params=params, user=world.bob)
    assert prepared.built_from["run"] == made["a"]["run"].pk


def test_a_new_answer_or_a_new_run_gives_a_new_document_and_the_same_inputs_the_same_one(
    world, django_capture_on_commit_callbacks
):
    made = world.extra["assessments"]
    params = {"year": 2026, "municipality": world.muni_a.pk}
    first = build("xlsx", params, world.bob, django_capture_on_commit_callbacks)
    assert document_request(kind="objectivity", fmt="xlsx", params=params, user=world.alice) == (
        first
    )

    flag_answer_delete(answer=made["a"]["answer"], by=world.bob)
    second = build("xlsx", params, world.bob, django_capture_on_commit_callbacks)
    assert second.pk != first.pk
    answers = {r[2]: r[4] for r in table_rows(xlsx_sheets(content(second))["Ответы"])}
    assert answers == {"4 МА": "нет ответа"}

    flag_dismiss(finding=made["a"]["finding"], reason="Гимназический профиль.", by=world.bob)
    third = build("xlsx", params, world.bob, django_capture_on_commit_callbacks)
    assert third.pk not in (first.pk, second.pk)

    newer = CheckRun.objects.create(
        region=world.region,
        municipality=world.muni_a,
        year=2026,
        status=CheckRun.Status.DONE,
        method_version="objectivity-1.0",
        counts={"schools": 0, "flagged": 0, "markers": 0, "labels": []},
        finished_at=timezone.now(),
    )
    fourth = build("xlsx", params, world.bob, django_capture_on_commit_callbacks)
    assert fourth.built_from["run"] == newer.pk and fourth.pk != third.pk
    listed = table_rows(xlsx_sheets(content(fourth))["Перечень"])
    assert listed == []


def test_word_has_the_list_and_every_flagged_school(world, django_capture_on_commit_callbacks):
    document = build(
        "docx",
        {"year": 2026, "municipality": world.muni_a.pk},
        world.bob,
        django_capture_on_commit_callbacks,
    )
    word = WordDocument(io.BytesIO(content(document)))
    cells = [c.text for t in word.tables for r in t.rows for c in r.cells]
    assert "Муниципальное общеобразовательное учреждение «Альфа-школа №1»" in cells
    assert "4 МА" in cells and "edu770001" in cells
    assert not any("Бета" in c for c in cells)
    text = "\n".join(p.text for p in word.paragraphs)
    assert "МОНИТОРИНГ ОБЪЕКТИВНОСТИ РЕЗУЛЬТАТОВ" in text and "маркеров 1 — 4 МА" in text
    assert "Отсутствие маркера не доказывает, что результаты объективны." in text


def test_out_of_scope_municipality_is_404_and_the_form_offers_only_the_users_scopes(world, client):
    builder = builder_for("objectivity")
    with pytest.raises(Http404):
        builder.prepare(params={"year": 2026, "municipality": world.muni_b.pk}, user=world.bob)
    with pytest.raises(Http404):
        builder.prepare(params={"year": 2026, "region": world.region.pk}, user=world.gina)
    bob_choices = dict(builder.params_form(user=world.bob).fields["scope"].choices)
    assert bob_choices == {f"m{world.muni_a.pk}": "Альфаград"}
    alice_choices = builder.params_form(user=world.alice).fields["scope"].choices
    assert [value for value, _label in alice_choices] == [
        f"r{world.region.pk}",
        f"m{world.muni_a.pk}",
        f"m{world.muni_b.pk}",
    ]
    # A school's deputy reads no municipality's monitoring.
    assert builder.params_form(user=world.carol).fields["scope"].choices == []
    with pytest.raises(Http404):
        builder.prepare(params={"year": 2026, "municipality": world.muni_a.pk}, user=world.carol)


def test_bad_parameters_and_a_year_without_a_run_get_a_russian_message(world):
    builder = builder_for("objectivity")
    for params in (
        {},
        {"year": "двадцать"},
        {"year": 2026},
        {"year": 2026, "region": world.region.pk, "municipality": world.muni_a.pk},
    ):
        with pytest.raises(DocumentParamsError, match="Укажите год"):
            builder.prepare(params=params, user=world.alice)
    with pytest.raises(DocumentParamsError, match="За 2025 год нет завершённой проверки"):
        builder.prepare(params={"year": 2025, "municipality": world.muni_a.pk}, user=world.bob)
    # The world has only the municipalities' own runs: none for the whole region.
    with pytest.raises(DocumentParamsError, match="нет завершённой проверки объективности"):
        document_request(
            kind="objectivity",
            fmt="pdf",
            params={"year": 2026, "region": world.region.pk},
            user=world.alice,
        )
    assert not Document.objects.filter(kind="objectivity").exists()


def test_an_official_orders_it_from_the_documents_page(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    page = client.get("/documents/").content.decode()
    assert 'value="objectivity"' in page and f'value="m{world.muni_a.pk}"' in page
    assert f'value="m{world.muni_b.pk}"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/documents/new/",
            {"kind": "objectivity", "format": "pdf", "year": 2026, "scope": f"m{world.muni_a.pk}"},
        )
    document = Document.objects.get(kind="objectivity")
    assert response.url == f"/documents/{document.pk}/"
    preview = client.get(
        "/documents/preview/",
        {"kind": "objectivity", "year": 2026, "scope": f"m{world.muni_a.pk}"},
    )
    assert preview.status_code == 200 and "Альфа-школа №1" in preview.content.decode()
    assert document.status == Document.Status.DONE and document.pages >= 1
    assert document.params == {"year": 2026, "municipality": world.muni_a.pk}
    response = client.post(
        "/documents/new/",
        {"kind": "objectivity", "format": "pdf", "year": 2026, "scope": f"m{world.muni_b.pk}"},
    )
    assert response.status_code == 302
    assert Document.objects.filter(kind="objectivity").count() == 1


# --- the analytic report's flags -----------------------------------------------------------------


def test_the_analytic_report_of_a_school_shows_its_fired_indicators(world):
    made = world.extra["assessments"]
    builder = builder_for("analytic")
    params = {"procedure": made["procedure"].pk, "level": "school", "school": world.school_a1.pk}
    prepared = builder.prepare(params=params, user=world.mia)
    context = builder.context(prepared)
    assert prepared.built_from["objectivity_run"] == made["a"]["run"].pk
    assert context["flags"] == [
        {
            "school": "Альфа-школа №1",
            "test": "4 МА",
            "indicator": "Пики первичных баллов на границах отметок",
            "value": "0,25",
            "reference": "0",
            "threshold": "0,11",
        },
        {
            "school": "Альфа-школа №1",
            "test": "4 МА",
            "indicator": "Отметки за работу выше журнальных",
            "value": "0,41",
            "reference": "0,2",
            "threshold": "0,35",
        },
    ]
    html = document_render_html(kind="analytic", params=params, user=world.mia)
    assert "Признаки необъективности" in html and "Отметки за работу выше журнальных" in html
    # The school of another municipality has its own run: none of A's flags.
    params_b = {"procedure": made["procedure"].pk, "level": "school", "school": world.school_b1.pk}
    flags_b = builder.context(builder.prepare(params=params_b, user=world.alice))["flags"]
    assert {flag["school"] for flag in flags_b} == {"Бета-школа №1"}


def test_the_analytic_report_of_a_municipality_shows_its_flags_and_of_the_region_none_without_a_region_run(
    world,
):
    made = world.extra["assessments"]
    builder = builder_for("analytic")
    params = {
        "procedure": made["procedure"].pk,
        "level": "municipality",
        "municipality": world.muni_a.pk,
    }
    flags = builder.context(builder.prepare(params=params, user=world.bob))["flags"]
    assert {(flag["school"], flag["test"]) for flag in flags} == {("Альфа-школа №1", "4 МА")}
    # Without a region-wide run the region's report shows no flags.
    region = {"procedure": made["procedure"].pk, "level": "region"}
    prepared = builder.prepare(params=region, user=world.alice)
    assert prepared.built_from["objectivity_run"] is None
    assert builder.context(prepared)["flags"] == []


def test_a_list_of_many_tests_gets_a_landscape_page_and_a_short_one_stays_portrait(
    world, django_capture_on_commit_callbacks
):
    params = {"year": 2026, "municipality": world.muni_a.pk}
    narrow = build("docx", params, world.bob, django_capture_on_commit_callbacks)
    word = WordDocument(io.BytesIO(content(narrow)))
    assert [s.page_width > s.page_height for s in word.sections] == [False]

    run = world.extra["assessments"]["a"]["run"]
    run.counts["labels"] = ["4 РУ", "4 МА", "5 РУ", "5 МА", "6 МА", "7 МА"]
    run.finished_at = timezone.now()  # as a run stored again
    run.save(update_fields=["counts", "finished_at"])
    html = document_render_html(kind="objectivity", params=params, user=world.bob)
    assert 'class="sheet landscape page-break"' in html
    wide = build("docx", dict(params), world.bob, django_capture_on_commit_callbacks)
    word = WordDocument(io.BytesIO(content(wide)))
    assert [s.page_width > s.page_height for s in word.sections] == [False, True, False]
    # The landscape section holds the list: one column per test.
    list_table = next(t for t in word.tables if "Количество маркеров" in t.rows[0].cells[-1].text)
    assert [c.text for c in list_table.rows[0].cells][4:-1] == run.counts["labels"]
