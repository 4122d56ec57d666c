"""Results as numpy columns: one `values_list` query per level whose columns go
straight into arrays, the task scores read as text (or COPY on PostgreSQL)
and parsed in one pass. No scoping here: the callers choose the rows (see the
scoping note of `assessments.analytics.selectors`).
"""

from __future__ import annotations

import json

import numpy as np
from django.db import connections
from django.db.models import F, TextField
from django.db.models.functions import Cast

from assessments.analytics import (
    ResultArrays,
    Scale,
)
from assessments.analytics.records import fill_marks
from assessments.results.fields import scores_text_as_json

# --- results as arrays ---------------------------------------------------------------

_AGGREGATE_COLUMNS = ("scores_text", "primary_score", "mark", "journal_mark", "school_id")
_PUPIL_COLUMNS = (*_AGGREGATE_COLUMNS, "class_name", "sex", "participant_code")


def _scores_matrix(texts: list[str], task_count: int) -> np.ndarray:
    """Task scores from their texts (`{1,NULL,2}` on PostgreSQL, the JSON `[1, null, 2]`
    elsewhere): float64 pupils × tasks, NaN = not attempted.

    The fast path parses the whole level as one JSON array; rows of a length
    other than the task count (a malformed import) are padded with NaN or cut.
    """
    n = len(texts)
    if n == 0:
        return np.zeros((0, task_count))
    if task_count:
        try:
            joined = ",".join(t.strip()[1:-1] for t in texts).replace("NULL", "null")
            flat = json.loads("[" + joined + "]")
            if len(flat) == n * task_count:
                return np.array(flat, dtype=np.float64).reshape(n, task_count)
        except (ValueError, TypeError):
            pass
    matrix = np.full((n, task_count), np.nan)
    for i, text in enumerate(texts):
        try:
            row = json.loads(scores_text_as_json(text)) if text else []
        except ValueError:
            row = []
        row = row[:task_count] if isinstance(row, list) else []
        if row:
            matrix[i, : len(row)] = np.array(row, dtype=np.float64)
    return matrix


def arrays_from_queryset(
    queryset, *, task_count: int, scale: Scale | None, pupil_detail: bool
) -> ResultArrays:
    """One query: the rows of `queryset` as columns. Without `pupil_detail`
    the class, sex and participant code are not even read, and on PostgreSQL
    the rows come through COPY and are parsed as numbers in bulk."""
    columns = _PUPIL_COLUMNS if pupil_detail else _AGGREGATE_COLUMNS
    queryset = queryset.order_by()
    if not pupil_detail:
        as_text = queryset.annotate(scores_text=Cast(F("scores"), TextField()))
        matrix = _copy_numbers(as_text.values_list(*columns), width=task_count + 4)
        if matrix is not None:
            n = matrix.shape[0]
            if n == 0:
                return ResultArrays.empty(task_count)
            primary = matrix[:, task_count].astype(np.int64)
            mark = np.nan_to_num(matrix[:, task_count + 1]).astype(np.int8)
            blank = np.full(n, "", dtype=object)
            return ResultArrays(
                scores=np.ascontiguousarray(matrix[:, :task_count]),
                primary=primary,
                mark=fill_marks(mark, primary, scale),
                journal=np.nan_to_num(matrix[:, task_count + 2]).astype(np.int8),
                school_id=matrix[:, task_count + 3].astype(np.int64),
                class_name=blank,
                sex=blank,
                code=blank,
            )
    as_text = queryset.annotate(scores_text=Cast(F("scores"), TextField()))
    rows = list(as_text.values_list(*columns))
    if not rows:
        return ResultArrays.empty(task_count)
    cols = list(zip(*rows, strict=True))
    n = len(rows)
    primary = np.fromiter(cols[1], dtype=np.int64, count=n)
    mark = np.fromiter((m or 0 for m in cols[2]), dtype=np.int8, count=n)
    journal = np.fromiter((j or 0 for j in cols[3]), dtype=np.int8, count=n)
    blank = np.full(n, "", dtype=object)
    return ResultArrays(
        scores=_scores_matrix(cols[0], task_count),
        primary=primary,
        mark=fill_marks(mark, primary, scale),
        journal=journal,
        school_id=np.fromiter(cols[4], dtype=np.int64, count=n),
        class_name=np.array(cols[5], dtype=object) if pupil_detail else blank,
        sex=np.array(cols[6], dtype=object) if pupil_detail else blank,
        code=np.array(cols[7], dtype=object) if pupil_detail else blank,
    )


def _copy_numbers(values_queryset, *, width: int) -> np.ndarray | None:
    """The rows of a values_list queryset of numbers (and JSON arrays of
    numbers) as a float64 matrix, NaN for null, through PostgreSQL's COPY: no
    Python object per row or per cell. None when not on PostgreSQL with
    psycopg 3, or when the rows are not `width` plain integers each (a
    malformed import): the caller then reads row by row."""
    connection = connections[values_queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = values_queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if not hasattr(raw, "copy"):
            return None  # psycopg2
        data = bytearray()
        with raw.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            # read() hands over what libpq has, not one row at a time: half the CPU.
            while chunk := copy.read():
                data += chunk
    # "{1,NULL,2}" (smallint[]) or "[1, null, 2]" (JSON) → "1,n,2" here rather than
    # in SQL, where it doubled the server's time; the other columns hold only digits
    # and "\\N".
    data = data.replace(b"NULL", b"n").translate(None, b" []{}ul")
    return parse_copied_numbers(data, width=width)


# Bytes parsed at a time: small enough for the temporaries to be reused from
# the heap rather than mapped afresh (first touches of new memory dominate
# otherwise), large enough for numpy to run at full speed.
PARSE_CHUNK_BYTES = 4 * 1024 * 1024


def parse_copied_numbers(data: bytes | bytearray, *, width: int) -> np.ndarray | None:
    """`_parse_chunk` over the whole COPY output, a few megabytes at a time,
    into one preallocated matrix; None as soon as a chunk is not plain."""
    rows = data.count(b"\n")
    if not data or rows == 0:
        return np.zeros((0, width)) if not data else None
    result = np.empty((rows, width))
    position, row = 0, 0
    while position < len(data):
        cut = data.find(b"\n", position + PARSE_CHUNK_BYTES)
        cut = len(data) if cut < 0 else cut + 1
        part = _parse_chunk(data[position:cut], width=width)
        if part is None or row + len(part) > rows:
            return None
        result[row : row + len(part)] = part
        row += len(part)
        position = cut
    return result if row == rows else None


def _parse_chunk(data: bytes | bytearray, *, width: int) -> np.ndarray | None:
    """COPY text output (tab-separated lines) of non-negative integers and
    comma-separated lists of them (a JSON array with the brackets and spaces
    taken out, and `null` shortened to `n`), with `\\N` for NULL, as rows ×
    `width` float64 (NaN for null). Vectorised over the bytes: every value is
    followed by exactly one separator (comma, tab or newline). None when the
    text holds anything else or a line does not have exactly `width` values."""
    if not data:
        return np.zeros((0, width))
    chars = np.frombuffer(data, dtype=np.uint8)
    separator = (chars == 44) | (chars == 9) | (chars == 10)
    digit = (chars >= 48) & (chars <= 57)
    null_mark = (chars == 110) | (chars == 92)  # "n", "\\"
    if not (separator | digit | null_mark | (chars == 78)).all():
        return None  # letters, signs, points, quotes: not plain integers
    ends = np.flatnonzero(separator)
    count = len(ends)
    if count == 0 or count % width or chars[-1] != 10:
        return None
    if (chars[ends[width - 1 :: width]] != 10).any() or (chars[ends] == 10).sum() != count // width:
        return None
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    first = chars[starts]
    null = (first == 110) | (first == 92)
    # "n" and "\\N" only as whole values; numbers of 1 to 9 digits only.
    if int(null_mark.sum()) != int(null.sum()) or int((chars == 78).sum()) != int(
        (first == 92).sum()
    ):
        return None
    if (lengths[null] != np.where(first[null] == 110, 1, 2)).any():
        return None
    if (chars[starts[first == 92] + 1] != 78).any():
        return None
    number = np.flatnonzero(~null)
    if len(number) and ((lengths[number] < 1).any() or (lengths[number] > 9).any()):
        return None
    result = np.full(count, np.nan)
    values = chars[starts[number]].astype(np.int64) - 48
    longer = np.flatnonzero(lengths[number] > 1)
    k = 1
    while len(longer):
        # Only the values that still have digits left: most are one digit long.
        values[longer] = values[longer] * 10 + chars[starts[number[longer]] + k] - 48
        k += 1
        longer = longer[lengths[number[longer]] > k]
    result[number] = values
    return result.reshape(count // width, width)
