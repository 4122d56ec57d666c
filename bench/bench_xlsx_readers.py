"""Benchmark: what a second XLSX parser would give the results import's read.

    .venv/bin/python bench/bench_xlsx_readers.py [BOOK] [--runs 3]

BOOK is a large one-sheet results book (default: the 200,000-row book that
bench/bench_import_results.py caches in BENCH_TMP, /tmp by default; run that
first). Prints the median wall and CPU time of:

- python-calamine alone reading the sheet (`to_python`): the base of #17's
  XLSX ratio;
- fastexcel alone reading it into Arrow columns (calamine's parser without a
  Python object per cell), when fastexcel is installed
  (`.venv/bin/pip install fastexcel`; it is not a dependency of the product);
- the product's read (`infra.files.read_table(columnar=True)`): the zip
  checked and inflated, the sheet measured and read in pieces on threads by
  python-calamine, its cells cleaned into columns;
- the same pieces parsed by fastexcel instead (every cell read as text, the
  piece's first row and column placed as calamine places them), cleaned into
  columns through Arrow's dictionary of each column: the most a fastexcel piece
  reader could save, since it leaves out the checks such a reader would need to
  give the cell path's values (dates, booleans, errors, numbers that fastexcel
  rounds to nine decimals, padded formats).

The import's own phases after the read are printed by bench_import_results.py.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from infra import files, xlsx_pieces  # noqa: E402
from infra.xlsx_formats import PaddedBook  # noqa: E402

_ROW_NUMBER = re.compile(rb'<row\s[^>]*?r="(\d+)"')


def timed(function, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `runs` calls, the collector paused as the
    import pauses it."""
    walls, cpus = [], []
    for _ in range(runs):
        with files.gc_paused():
            wall, cpu = time.perf_counter(), time.process_time()
            function()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def calamine_alone(path: str):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def fastexcel_alone(path: str):
    import fastexcel

    return fastexcel.read_excel(path).load_sheet(0, header_row=None, dtypes="string").to_arrow()


def product_read(data: bytes):
    return files.read_table(io.BytesIO(data), filename="book.xlsx", columnar=True)


def arrow_columns(table) -> list[list]:
    """A piece's Arrow columns as the product's cleaned columns (text stripped,
    blank text None), each distinct value cleaned once."""
    import numpy as np

    columns = []
    for column in table.columns:
        encoded = column.dictionary_encode()
        distinct = [v.strip() or None for v in encoded.dictionary.to_pylist()]
        values = np.array([*distinct, None], dtype=object)
        columns.append(values[encoded.indices.fill_null(len(distinct)).to_numpy()].tolist())
    return columns


def fastexcel_pieces(data: bytes):
    """The product's read with each piece parsed by fastexcel."""
    import fastexcel

    kept = {}
    archive = files.check_zip(data, "book.xlsx", keep=kept, padded=PaddedBook())
    part, xml = kept.popitem()
    workers = min(xlsx_pieces.threads(), 4)
    pieces = max(
        2, min(workers * xlsx_pieces.PIECES_PER_THREAD, len(xml) // xlsx_pieces.PIECE_MIN_BYTES)
    )
    start, cuts, close = xlsx_pieces.cut_points(xml, pieces)
    others = [(i.filename, archive.read(i)) for i in archive.infolist() if i.filename != part]
    edges, spans = [start, *cuts, close], [0, *cuts, len(xml)]
    view = memoryview(xml)

    def parse(k: int):
        first = 0 if k == 0 else int(_ROW_NUMBER.match(xml, edges[k])[1]) - 1
        book = xlsx_pieces._written(
            others, part, (view[:start], view[edges[k] : edges[k + 1]], view[close:])
        )
        with book:
            sheet = fastexcel.read_excel(book.name).load_sheet(
                0, header_row=None, dtypes="string", skip_rows=first
            )
            table = sheet.to_arrow()
            column = sheet.available_columns()[0].absolute_index
        return (
            "sheet",
            (first, column),
            (first + table.num_rows - 1, column + table.num_columns - 1),
            table,
        )

    read = []
    with ThreadPoolExecutor(workers) as pool:
        futures = []
        for k in range(len(edges) - 1):
            files._SheetExtent.measured("book.xlsx", view[spans[k] : spans[k + 1]])
            futures.append(pool.submit(parse, k))
        for future in futures:
            name, first, last, table = future.result()
            read.append((name, first, last, arrow_columns(table)))
    return xlsx_pieces._joined(read)


def main() -> None:
    tmp = Path(os.environ.get("BENCH_TMP", "/tmp"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", nargs="?", default=str(tmp / "bench_results_200000.xlsx"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not Path(args.book).exists():
        sys.exit(f"{args.book} is missing: run bench/bench_import_results.py 200000 first.")
    data = Path(args.book).read_bytes()
    try:
        import fastexcel  # noqa: F401
    except ImportError:
        fastexcel = None
    print(
        f"{args.book}: {len(data) / 2**20:.1f} MB, {xlsx_pieces.threads()} CPU, median of {args.runs}"
    )
    product = product_read(data)[0]
    if fastexcel is not None:
        pieces = fastexcel_pieces(data)[0][1]
        same_shape = len(pieces) == len(product.columns) and all(
            len(a) == len(b) for a, b in zip(pieces, product.columns, strict=True)
        )
        print(f"  fastexcel pieces hold the product's rows and columns: {same_shape}")
    rows = [
        ("python-calamine alone", lambda: calamine_alone(args.book)),
        ("fastexcel alone (Arrow)", lambda: fastexcel_alone(args.book)),
        ("the product's read", lambda: product_read(data)),
        ("the same pieces parsed by fastexcel", lambda: fastexcel_pieces(data)),
    ]
    for label, function in rows:
        if fastexcel is None and "fastexcel" in label:
            print(f"  {label:40} (fastexcel is not installed)")
            continue
        wall, cpu = timed(function, args.runs)
        print(f"  {label:40} {wall:5.2f} s   CPU {cpu:5.2f} s")


if __name__ == "__main__":
    main()
