"""Import roadmap PDFs and print seconds, pages and measures found.

    .venv/bin/python bench/bench_pdf_import.py [--measures 150] [--runs 3]

Reads the test plans' PDFs (tests/data/plans), then an appendix table of
`--measures` measures (the Baltiysk seed's, repeated, in sections of 30) that
WeasyPrint lays out as the order's appendix is: landscape A4, the header row on
every page. The import is the whole of `parse_roadmap_document`: pdfplumber's
reading of every page, the tables, the header and the deadlines left for later.
"""

import argparse
import html
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def appendix_pdf(measures: int) -> tuple[bytes, list[tuple[str, str, str, str]]]:
    from weasyprint import HTML

    from roadmaps.importers import parse_roadmap_document

    seed = ROOT / "tests" / "data" / "seeds" / "baltiysk-2023-order-1081.txt"
    source = list(parse_roadmap_document(seed.read_bytes(), seed.name).iter_measures())
    rows, expected = [], []
    for index in range(measures):
        if index % 30 == 0:
            rows.append(
                f'<tr><td colspan="4"><b>{index // 30 + 1}. Раздел {index // 30 + 1}</b></td></tr>'
            )
        m = source[index % len(source)]
        cells = [
            f"{index // 30 + 1}.{index % 30 + 1}.",
            m.text,
            m.deadline_text,
            m.responsible_text,
        ]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        expected.append(tuple(" ".join(c.split()) for c in cells))
    page = f"""<html><head><meta charset="utf-8"><style>
      @page {{ size: A4 landscape; margin: 20mm 15mm 15mm 20mm;
               @top-center {{ content: counter(page); }} }}
      body {{ font: 12pt "Times New Roman", "Liberation Serif", serif; }}
      table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 10.5pt; }}
      thead {{ display: table-header-group; }}
      th, td {{ border: 0.6pt solid #000; padding: 2pt 4pt; vertical-align: top; }}
    </style></head><body>
    <p style="text-align:right">Приложение № 1<br>к приказу от 29.12.2023 № 1081</p>
    <h1 style="text-align:center;font-size:14pt">План мероприятий (дорожная карта)</h1>
    <table><colgroup><col style="width:7%"><col style="width:55%"><col style="width:16%">
    <col style="width:22%"></colgroup>
    <thead><tr><th>№ п/п</th><th>Мероприятие</th><th>Сроки исполнения</th><th>Ответственные</th></tr></thead>
    <tbody>{"".join(rows)}</tbody></table></body></html>"""
    return HTML(string=page).write_pdf(), expected


def timed(data: bytes, name: str, runs: int, expected=None) -> None:
    import pypdfium2

    from roadmaps.importers import parse_roadmap_document

    pages = len(pypdfium2.PdfDocument(data))
    times, found = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        parsed = parse_roadmap_document(data, name)
        times.append(time.perf_counter() - start)
        found = len(list(parsed.iter_measures()))
    median = statistics.median(times)
    if expected is not None:
        read = [
            tuple(
                " ".join(c.split()) for c in (m.number, m.text, m.deadline_text, m.responsible_text)
            )
            for m in parsed.iter_measures()
        ]
        same = sum(1 for a, b in zip(read, expected, strict=False) if a == b)
        print(f"{name}: {same} of {len(expected)} measures read exactly as written")
    print(
        f"{name}: {pages} pages, {found} measures; median {median:.2f} s over {runs} runs "
        f"({median / pages:.2f} s a page; min {min(times):.2f}, max {max(times):.2f})"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--measures", type=int, default=150)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    for path in sorted((ROOT / "tests" / "data" / "plans").glob("*.pdf")):
        if "scan" not in path.name:
            timed(path.read_bytes(), path.name, args.runs)
    data, expected = appendix_pdf(args.measures)
    timed(data, f"appendix of {args.measures} measures", args.runs, expected)


if __name__ == "__main__":
    main()
