"""/roadmaps/<id>/export.xlsx and .docx over whatever the measures hold."""

import io

import docx
import openpyxl
import pytest
from django.urls import reverse

from assessments.objectivity.services.flags import flags_into_roadmap
from roadmaps.services.measure import measure_update


def _xlsx_text(content: bytes) -> str:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize("fmt,read", [("xlsx", _xlsx_text), ("docx", _docx_text)])
def test_the_export_works_once_flagged_schools_are_in_the_roadmap(world, client, fmt, read):
    roadmap = world.extra["roadmap_roadmap_a"]
    run = world.extra["assessments"]["a"]["run"]
    flags_into_roadmap(run=run, roadmap=roadmap, schools=[world.school_a1], by=world.bob)
    client.force_login(world.bob)
    response = client.get(reverse(f"roadmaps:roadmap-export-{fmt}", args=[roadmap.pk]))
    assert response.status_code == 200
    text = read(response.content)
    assert "наблюдател" in text  # the flag measures are in the file
    # The keys the product keeps for itself are not columns of the document.
    assert "flag_measure" not in text and "run" not in text


@pytest.mark.parametrize("fmt,read", [("xlsx", _xlsx_text), ("docx", _docx_text)])
def test_the_export_writes_numbers_lists_and_empty_values_of_extra_columns_as_text(
    world, client, fmt, read
):
    measure = world.extra["roadmap_measure_a"]
    measure = measure_update(
        measure=measure,
        by=world.bob,
        version=measure.version,
        extra={"Показатель, %": 70, "Классы": [4, 5], "Примечание": None, "Итог": True},
    )
    client.force_login(world.bob)
    response = client.get(reverse(f"roadmaps:roadmap-export-{fmt}", args=[measure.roadmap_id]))
    assert response.status_code == 200
    text = read(response.content)
    assert "Показатель, %" in text and "70" in text
    assert "4; 5" in text and "да" in text
    assert "None" not in text and "True" not in text
