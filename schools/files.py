"""Reading the tables people send: XLSX or CSV, recognised by content, not by name.

Every importer of the product reads through here, so size limits, type checks
and encodings are handled once. Cells come back as str, int, float, date or None.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls / .doc
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 200


class FileRejected(ValueError):
    """The file cannot be read at all; the message is for the user, in Russian."""


@dataclass
class Sheet:
    name: str
    rows: list[list] = field(default_factory=list)


def check_zip(data: bytes, filename: str) -> zipfile.ZipFile:
    """Open an Office file's zip, refusing broken archives and zip bombs."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FileRejected(_("Файл «%s» повреждён: это не книга Excel.") % filename) from exc
    total = sum(info.file_size for info in archive.infolist())
    packed = max(1, sum(info.compress_size for info in archive.infolist()))
    if total > MAX_UNZIPPED_BYTES or total / packed > MAX_ZIP_RATIO:
        raise FileRejected(_("Файл «%s» отклонён: после распаковки он слишком велик.") % filename)
    return archive


def sniff_kind(data: bytes) -> str:
    """'xlsx', 'docx', 'ole' or 'text', by the bytes."""
    if data.startswith(XLSX_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return "zip"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "docx"
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    return "text"


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without BOM) or Windows-1251, as Russian offices write it."""
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected(
        _("Не удалось определить кодировку текста (ожидается UTF-8 или Windows-1251).")
    )


def read_bytes(source, *, filename: str | None = None) -> tuple[bytes, str]:
    """The content of a path or an uploaded file, refusing files over the limit."""
    limit = settings.UPLOAD_MAX_BYTES
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        if not path.is_file():
            raise FileRejected(_("Файл «%s» не найден.") % path)
        if path.stat().st_size > limit:
            raise FileRejected(
                _("Файл «%(name)s» больше %(mb)d МБ.") % {"name": filename, "mb": limit // 2**20}
            )
        return path.read_bytes(), filename
    filename = filename or getattr(source, "name", "file")
    size = getattr(source, "size", None)
    if size is not None and size > limit:
        raise FileRejected(
            _("Файл «%(name)s» больше %(mb)d МБ.") % {"name": filename, "mb": limit // 2**20}
        )
    data = source.read(limit + 1)
    if len(data) > limit:
        raise FileRejected(
            _("Файл «%(name)s» больше %(mb)d МБ.") % {"name": filename, "mb": limit // 2**20}
        )
    return data, filename


def read_table(source, *, filename: str | None = None) -> list[Sheet]:
    """All sheets of an XLSX file, or the one table of a CSV file."""
    data, filename = read_bytes(source, filename=filename)
    kind = sniff_kind(data)
    if kind == "xlsx":
        return _read_xlsx(data, filename)
    if kind == "text":
        return [Sheet(name=filename, rows=_read_csv(decode_text(data)))]
    if kind == "ole":
        raise FileRejected(
            _("Файл «%s» в старом формате Excel 97–2003 (.xls): сохраните его как .xlsx.")
            % filename
        )
    if kind == "zip":
        raise FileRejected(_("Файл «%s» повреждён или не является книгой Excel.") % filename)
    raise FileRejected(_("Файл «%s» не является таблицей XLSX или CSV.") % filename)


def _read_xlsx(data: bytes, filename: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    archive = check_zip(data, filename)
    if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
        raise FileRejected(
            _("Файл «%s» содержит макросы; загрузите книгу без макросов.") % filename
        )
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append(Sheet(name=name, rows=[_clean_row(r) for r in rows]))
        return sheets
    except Exception as exc:  # calamine raises its own error types for broken books
        raise FileRejected(_("Файл «%s» не удалось прочитать как книгу Excel.") % filename) from exc


def _read_csv(text: str) -> list[list]:
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    try:
        return [
            _clean_row(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise FileRejected(_("Текст не удалось прочитать как таблицу CSV: %s.") % exc) from exc


def _clean_row(row) -> list:
    """Strip text, turn blank text into None and whole floats into ints, drop trailing blanks.

    Every importer reads every cell through here, so it is written for speed.
    """
    cleaned = [
        (value.strip() or None)
        if type(value) is str
        else (int(value) if type(value) is float and value.is_integer() else value)
        for value in row
    ]
    while cleaned and cleaned[-1] is None:
        cleaned.pop()
    return cleaned


def _clean_text_row(row: list[str]) -> list:
    """_clean_row for CSV, where every cell is text: the hot loop of large imports."""
    cleaned = [value.strip() or None for value in row]
    while cleaned and cleaned[-1] is None:
        cleaned.pop()
    return cleaned


def column_letter(index: int) -> str:
    """0 → 'A', 27 → 'AB': how Excel names the column, for messages."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
