"""Lay out the evaluation plans as officials' files: DOCX, XLSX and PDF.

    .venv/bin/python bench/eval_plans/make_plans.py [--only ID] [--no-pdf]

Reads the hand-written plans in `tests/data/eval_plans/truth/*.json` (what the
document says and how a person reads it) and writes, per plan, into
`tests/data/eval_plans/<id>/`:

- `<id>.docx`: the order's paragraphs (or a school's approval stamp), then the
  appendix as a real Word table: a header row repeated on every page, section
  rows merged across the table, measure text as paragraphs, line breaks inside
  the deadline and responsible cells;
- `<id>.xlsx`: the same as someone pastes it into Excel: the order's lines one
  per row, the plan's title in a merged cell, the table with merged section
  rows and wrapped cells; a deadline that is a bare date becomes an Excel date;
- `<id>-table-only.xlsx`: the plan's title and the table, without the order's
  lines or the stamp (only for plans that have an order);
- `<id>.pdf`: the DOCX printed by LibreOffice (`soffice --headless`), with a
  text layer; the script reports the rows a page break splits and the pages
  that repeat the header row.

and `scanned/<id>-scan.pdf`: the first pages of one plan's PDF as grey,
slightly rotated, noisy images with no text layer, as a scanner makes them.

Nothing here reads the product's parser: the layout comes from the plans, the
plans from how such documents are written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLANS = ROOT / "tests" / "data" / "eval_plans"
TRUTH = PLANS / "truth"
SCANNED_FROM = "mun-sokol-2024"
FIXED_TIME = dt.datetime(2025, 1, 15, 9, 0, 0)
BARE_DATE = re.compile(r"^\d{2}\.\d{2}\.\d{4}$")


def freeze_zip(path: Path) -> None:
    """Give every member of a DOCX/XLSX one fixed time, so that regenerating
    an unchanged plan leaves the file byte for byte as it was."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            frozen = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            frozen.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(frozen, data)


def load_plans(only: str | None = None) -> list[dict]:
    plans = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(TRUTH.glob("*.json"))]
    return [p for p in plans if only in (None, p["id"])]


def table_rows(plan: dict):
    """('section', heading) and ('measure', measure) in document order."""
    for section in plan["sections"]:
        heading = " ".join(part for part in (section["number"], section["title"]) if part)
        yield "section", heading
        for measure in section["measures"]:
            yield "measure", measure


# --------------------------------------------------------------------- DOCX


def write_docx(plan: dict, path: Path) -> None:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    layout = plan["document"]
    align = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        "left": WD_ALIGN_PARAGRAPH.LEFT,
    }

    doc = Document()
    doc.core_properties.created = FIXED_TIME
    doc.core_properties.modified = FIXED_TIME
    doc.core_properties.author = "Специалист"
    doc.core_properties.title = ""
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    text_width = Cm(21 - 2.5 - 1.5)

    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    normal.paragraph_format.space_after = Pt(0)

    # Deliberately not infra/output/docx.py: the evaluation files must not come
    # from the product's own writer.
    def paragraph(text, *, how="left", bold=False, before=0, indent=False):
        p = doc.add_paragraph()
        p.alignment = align[how]
        p.paragraph_format.space_before = Pt(before)
        if indent:
            p.paragraph_format.first_line_indent = Cm(1.25)
        run = p.add_run(text)
        run.bold = bold
        return p

    for block in layout["before_table"]:
        if block.get("page_break"):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif "stamp" in block:
            stamp = doc.add_table(rows=1, cols=2)
            for cell, text in zip(stamp.rows[0].cells, block["stamp"], strict=True):
                cell.paragraphs[0].add_run(text)
        elif "left" in block:
            p = paragraph(f"{block['left']}\t{block['right']}", before=block.get("space_before", 0))
            p.paragraph_format.tab_stops.add_tab_stop(text_width, WD_TAB_ALIGNMENT.RIGHT)
        else:
            paragraph(
                block["text"],
                how=block.get("align", "left"),
                bold=block.get("bold", False),
                before=block.get("space_before", 0),
                indent=block.get("indent", False),
            )

    paragraph(layout["plan_title"], how="center", bold=True, before=12)
    doc.add_paragraph()

    columns = layout["columns"]
    widths = [Cm(w) for w in layout["column_widths_cm"]]
    table = doc.add_table(rows=0, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False

    def mark_header(row):
        tr_pr = row._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)

    def fill(cell, text, *, bold=False, how="left", paragraphs=False, size=11):
        cell.paragraphs[0].text = ""
        lines = text.split("\n") if paragraphs else [text]
        for i, line in enumerate(lines):
            p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            p.alignment = align[how]
            run = p.add_run(line)
            run.bold = bold
            run.font.size = Pt(size)

    header = table.add_row()
    mark_header(header)
    for cell, name in zip(header.cells, columns, strict=True):
        fill(cell, name, bold=True, how="center")
    if layout.get("number_row"):
        numbers = table.add_row()
        mark_header(numbers)
        for i, cell in enumerate(numbers.cells, start=1):
            fill(cell, str(i), how="center", size=10)

    for kind, item in table_rows(plan):
        row = table.add_row()
        if kind == "section":
            merged = row.cells[0].merge(row.cells[-1])
            fill(merged, item, bold=True, how="center")
            continue
        cells = row.cells
        fill(cells[0], item["number"])
        fill(cells[1], item["text"], paragraphs=True, how="justify")
        fill(cells[2], item["deadline_text"], how="center")
        fill(cells[3], item["responsible"])
        fill(cells[4], item["result"])

    # Word reads the cells' widths, LibreOffice the table grid's: set both.
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width

    for block in layout["after_table"]:
        paragraph(
            block["text"],
            how=block.get("align", "left"),
            bold=block.get("bold", False),
            before=block.get("space_before", 0),
        )
    doc.save(path)
    freeze_zip(path)


# --------------------------------------------------------------------- XLSX


def write_xlsx(plan: dict, path: Path, *, with_order_lines: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    layout = plan["document"]
    columns = layout["columns"]
    last = get_column_letter(len(columns))
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = Workbook()
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "Специалист"
    ws = wb.active
    ws.title = "Лист1"
    for i, width in enumerate(layout["column_widths_cm"], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width * 5.2

    row = 1

    def line(col: int, text: str, *, bold=False, how=None):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = Font(bold=bold)
        if how:
            cell.alignment = Alignment(horizontal=how)
        return cell

    if with_order_lines:
        for block in layout["before_table"]:
            if block.get("page_break"):
                continue
            if "stamp" in block:
                left, right = (part.split("\n") for part in block["stamp"])
                for i in range(max(len(left), len(right))):
                    if i < len(left):
                        line(1, left[i])
                    if i < len(right):
                        line(4, right[i])
                    row += 1
            elif "left" in block:
                line(1, block["left"].replace("\n", " "))
                line(len(columns), block["right"], how="right")
                row += 1
            else:
                for text in block["text"].split("\n"):
                    if text:
                        line(1, text, bold=block.get("bold", False))
                    row += 1
        row += 1

    title = ws.cell(row=row, column=1, value=layout["plan_title"])
    title.font = Font(bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells(f"A{row}:{last}{row}")
    ws.row_dimensions[row].height = 48
    row += 2

    for col, name in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=col, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    row += 1
    if layout.get("number_row"):
        for col in range(1, len(columns) + 1):
            ws.cell(row=row, column=col, value=col).border = box
        row += 1

    as_int = layout.get("numbers_as_integers_in_xlsx", False)
    for kind, item in table_rows(plan):
        if kind == "section":
            cell = ws.cell(row=row, column=1, value=item)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
            ws.merge_cells(f"A{row}:{last}{row}")
            for col in range(1, len(columns) + 1):
                ws.cell(row=row, column=col).border = box
            row += 1
            continue
        number = item["number"]
        if as_int and re.fullmatch(r"\d+\.?", number):
            number = int(number.rstrip("."))
        deadline = item["deadline_text"]
        if BARE_DATE.match(deadline):
            deadline = dt.datetime.strptime(deadline, "%d.%m.%Y")
        values = [number, item["text"], deadline, item["responsible"], item["result"]]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = wrap
            cell.border = box
            if isinstance(value, dt.datetime):
                cell.number_format = "DD.MM.YYYY"
        row += 1

    if with_order_lines:
        row += 1
        for block in layout["after_table"]:
            line(1, block["text"])
            row += 1
    wb.save(path)
    freeze_zip(path)


# ---------------------------------------------------------------------- PDF


def write_pdf(docx_path: Path, pdf_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice not found: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(docx_path),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        shutil.move(Path(tmp) / (docx_path.stem + ".pdf"), pdf_path)


def squash(text: str) -> str:
    text = re.sub(r"[‐‑‒–—-]", "-", text)
    return re.sub(r"\s+", "", text).lower()


def pdf_pages(pdf: Path) -> list[str]:
    pages = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    texts = []
    for page in range(1, count + 1):
        out = subprocess.run(
            ["pdftotext", "-raw", "-f", str(page), "-l", str(page), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        texts.append(squash(out))
    return texts


def check_pdf(plan: dict, pdf: Path) -> str:
    """Which measures a page break splits, and which pages repeat the header."""
    pages = pdf_pages(pdf)
    split = []
    for kind, item in table_rows(plan):
        if kind != "measure":
            continue
        text = squash(item["text"])
        if any(text in page for page in pages):
            continue
        head, tail = text[:30], text[-30:]
        for i in range(len(pages) - 1):
            if head in pages[i] and tail in pages[i + 1]:
                split.append(f"{item['number']} (pages {i + 1}–{i + 2})")
    header = squash(plan["document"]["columns"][-1])
    with_header = [str(i + 1) for i, page in enumerate(pages) if header in page]
    return (
        f"{len(pages)} pages; header row on pages {', '.join(with_header) or 'none'}; "
        f"rows split by a page break: {', '.join(split) or 'none'}"
    )


def write_scan(pdf: Path, out: Path, *, pages: int = 2, dpi: int = 90) -> None:
    """Pages of `pdf` as a scanner returns them: grey, tilted, noisy, no text."""
    from PIL import Image, ImageChops, ImageFilter

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-gray", "-r", str(dpi), "-l", str(pages), str(pdf), f"{tmp}/p"],
            check=True,
            capture_output=True,
        )
        images = []
        for n, png in enumerate(sorted(Path(tmp).glob("p*.pgm")) or sorted(Path(tmp).glob("p*"))):
            page = Image.open(png).convert("L")
            page = page.rotate(0.7 if n % 2 == 0 else -0.5, fillcolor=255, expand=False)
            noise = Image.effect_noise(page.size, 18).filter(ImageFilter.GaussianBlur(0.6))
            page = ImageChops.multiply(page, noise.point(lambda v: 255 if v > 110 else 225))
            images.append(page)
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi, quality=55)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="one plan's id")
    parser.add_argument("--no-pdf", action="store_true", help="skip LibreOffice")
    args = parser.parse_args()

    for plan in load_plans(args.only):
        folder = PLANS / plan["id"]
        folder.mkdir(exist_ok=True)
        docx_path = folder / f"{plan['id']}.docx"
        write_docx(plan, docx_path)
        write_xlsx(plan, folder / f"{plan['id']}.xlsx", with_order_lines=True)
        made = [docx_path.name, f"{plan['id']}.xlsx"]
        if plan.get("order"):
            write_xlsx(plan, folder / f"{plan['id']}-table-only.xlsx", with_order_lines=False)
            made.append(f"{plan['id']}-table-only.xlsx")
        note = ""
        if not args.no_pdf:
            pdf_path = folder / f"{plan['id']}.pdf"
            write_pdf(docx_path, pdf_path)
            made.append(pdf_path.name)
            note = check_pdf(plan, pdf_path)
        print(f"{plan['id']}: {', '.join(made)}")
        if note:
            print(f"    PDF: {note}")
        if plan["id"] == SCANNED_FROM and not args.no_pdf:
            scanned = PLANS / "scanned"
            scanned.mkdir(exist_ok=True)
            write_scan(folder / f"{plan['id']}.pdf", scanned / f"{plan['id']}-scan.pdf")
            print(f"    scanned copy: scanned/{plan['id']}-scan.pdf")


if __name__ == "__main__":
    main()
