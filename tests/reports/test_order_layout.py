"""The order PDF as an official prints it: the Baltiysk seed order imported, its
flagged schools put into the roadmap, then built. Items numbered once, the
issuing body at the head, Russian hyphenation instead of words broken at a cell's
edge, section headings kept with their rows, flag measures numbered. The pages
go to test-artifacts/ as PNG to be looked at."""

import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest

from assessments.objectivity.services.flags import flags_into_roadmap
from reports.models import Document
from reports.services import document_request
from roadmaps.importers import parse_roadmap_document
from roadmaps.services.importing import roadmap_import
from roadmaps.services.measure import measure_update
from roadmaps.services.roadmap import roadmap_update
from tests.browser import ARTIFACTS
from tests.conftest import require_service

SEED = Path(__file__).resolve().parents[1] / "data" / "seeds" / "baltiysk-2023-order-1081.txt"


@pytest.fixture
def order_pdf(world, django_capture_on_commit_callbacks):
    result = roadmap_import(
        parse_roadmap_document(SEED.read_bytes(), SEED.name), owner=world.muni_a, by=world.bob
    )
    roadmap = result.roadmap
    # As in the demo and in production, the order's body was not in the file.
    roadmap_update(roadmap=roadmap, by=world.bob, order_body="")
    # A «Участники» column too, as other seeds have: the «Документ» column narrows.
    first = roadmap.measures.order_by("position", "pk").first()
    measure_update(
        measure=first, by=world.bob, version=first.version, participants="учителя-предметники"
    )
    flags_into_roadmap(
        run=world.extra["assessments"]["a"]["run"],
        roadmap=roadmap,
        schools=[world.school_a1],
        by=world.bob,
    )
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(
            kind="order", fmt="pdf", params={"roadmap": roadmap.pk}, user=world.bob
        )
    document.refresh_from_db()
    assert document.status == Document.Status.DONE, document.error
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "order-baltiysk-flags.pdf"
    shutil.copyfile(document.file.path, target)
    require_service(
        "pdftoppm", shutil.which("pdftoppm") is not None, "apt-get install poppler-utils"
    )
    for old in ARTIFACTS.glob("order-baltiysk-flags-page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(target), str(ARTIFACTS / "order-baltiysk-flags-page")],
        check=True,
    )
    roadmap.refresh_from_db()
    return roadmap, target


def _lines(page) -> list[str]:
    return [line["text"].strip() for line in page.extract_text_lines() if line["text"].strip()]


def test_order_items_are_numbered_once_and_the_head_is_the_issuing_body(world, order_pdf):
    roadmap, path = order_pdf
    with pdfplumber.open(path) as pdf:
        first = _lines(pdf.pages[0])
        text = "\n".join(line for page in pdf.pages for line in _lines(page))
    assert not re.search(r"^\d+\.\s+\d+\.", text, re.M), "an item numbered twice"
    assert re.search(r"^1\. Утвердить", text, re.M)
    # The flag item appended by flags_into_roadmap gets the next number.
    count = len(roadmap.order_items)
    assert re.search(rf"^{count}\. Обеспечить контроль исполнения мероприятий раздела", text, re.M)
    # The municipality's education authority heads the order, not the territory.
    assert first[0] == world.body_a.name.upper()


def test_flag_measures_are_numbered_in_a_numbered_section(world, order_pdf):
    roadmap, _path = order_pdf
    flags = [m for m in roadmap.measures.all() if m.flag_run_id]
    section = flags[0].section
    assert section.number and section.number.rstrip(".").isdigit()
    assert [m.number for m in flags] == [f"{section.number.rstrip('.')}.{i}." for i in (1, 2, 3, 4)]


def test_words_in_narrow_columns_break_by_russian_hyphenation_not_anywhere(order_pdf):
    roadmap, path = order_pdf
    source = " ".join(
        " ".join([m.text, m.document_text, m.responsible_text, m.result, m.deadline_text])
        for m in roadmap.measures.all()
    )
    source = re.sub(r"\s+", " ", source)
    broken = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages[1:]:
            header = [w for w in page.extract_words() if w["text"] == "Документ"]
            if not header:
                continue
            # The column starts at the table's rule left of its (centred) header.
            rules = [e["x0"] for e in page.vertical_edges if e["x0"] < header[0]["x0"]]
            left, below = max(rules) - 1, header[0]["bottom"] + 1
            column = [w for w in page.extract_words() if w["x0"] >= left and w["top"] > below]
            rows: dict[float, list] = {}
            for word in column:
                rows.setdefault(round(word["top"]), []).append(word["text"])
            lines = [" ".join(rows[top]) for top in sorted(rows)]
            for above, below in zip(lines, lines[1:], strict=False):
                last, first = above.split()[-1], below.split()[0]
                # A line ends at a space or at a hyphen; «наблюдателе|й» is neither.
                first = first.rstrip("\u2010-")
                if last[-1:].isalpha() and first[:1].islower() and f"{last} {first}" not in source:
                    broken.append(f"{last}|{first}")
    assert not broken, broken


SECTION_FILL = 0xF3 / 255  # tr.section td { background: #f3f3f3 } in base_print.html


def test_a_section_heading_never_ends_a_page(order_pdf):
    _roadmap, path = order_pdf
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            headings = [
                r
                for r in page.rects
                if abs((r.get("non_stroking_color") or (0,))[0] - SECTION_FILL) < 0.002
            ]
            if not headings:
                continue
            lowest = max(line["bottom"] for line in page.extract_text_lines())
            heading = max(headings, key=lambda r: r["bottom"])
            # Something (a measure's row) must follow the lowest heading on its page.
            assert lowest > heading["bottom"] + 1, f"page {number} ends with a section heading"


def test_numbered_items_keep_their_own_numbers_and_number_the_rest():
    from reports.builders.order import numbered_items

    assert numbered_items(["Утвердить план.", "Назначить ответственных."]) == [
        "1. Утвердить план.",
        "2. Назначить ответственных.",
    ]
    assert numbered_items(
        ["1. Утвердить.", "2. Назначить:\n - Иванову;", "Обеспечить контроль."]
    ) == [
        "1. Утвердить.",
        "2. Назначить:\n - Иванову;",
        "3. Обеспечить контроль.",
    ]
    assert numbered_items(["2.1. Подпункт."]) == ["2.1. Подпункт."]
