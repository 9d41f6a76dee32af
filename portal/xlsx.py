"""Excel in and out, safely.

Export: openpyxl write-only (flat memory), every text cell typed as text with Excel's quote prefix when it starts with
a formula trigger, streamed from a temporary file; every sheet print-ready (``print_setup``: landscape, one page wide,
header row repeated, page header and "第 n 页，共 N 页") with optional wrapped columns and a 合计 line. Import: ``upload_rows`` is the one reader of uploaded spreadsheets
(.xlsx, and .csv where a caller accepts it): size and zip-bomb checks before parsing, defusedxml (openpyxl uses it when
installed), read-only mode, and every parser failure, while opening or while reading rows, turned into an
``XlsxImportError`` with a Chinese message. ``read_rows`` adds typed columns (numbers as ``Decimal``, every bad cell
reported), ``import_all_or_nothing`` the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import closing
from copy import copy
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any, NamedTuple

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

assert openpyxl.DEFUSEDXML, "defusedxml must be installed so openpyxl parses XML safely"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_XLSX = "不是有效的 .xlsx 文件（请用 Excel 另存为 .xlsx 格式）。"
XML_ENTITIES = "文件含有 XML 实体或文档类型声明（DTD），出于安全原因不予读取；请用 Excel 另存为 .xlsx 后重新上传。"
# C1 control characters never occur in real text; they are what UTF-8 read as Latin-1 (and saved again) leaves
MOJIBAKE = re.compile("[\u0080-\u009f]")
UNREADABLE = "无法读取文件：文件已损坏或不是有效的 .xlsx 工作簿（请用 Excel 另存为 .xlsx 后重新上传）。"


# --------------------------------------------------------------------------------------------- export
NUMBER_FORMATS: tuple[tuple[type, str], ...] = (
    (Decimal, "#,##0.00"), (dt.datetime, "yyyy-mm-dd hh:mm"), (dt.date, "yyyy-mm-dd"))
CHINA = dt.timezone(dt.timedelta(hours=8))


class _Styled(NamedTuple):
    """A cell value with its data type and (shared, never mutated) style array, as ``CellWriter.value`` returns it."""

    value: Any
    data_type: str
    style: StyleArray
    style_id: int  # its index in the workbook's cell styles


class _ReusedCell(Cell):
    """The one cell ``_fast_rows`` writes every styled value through; its style index is the ``_Styled``'s (looked
    up once per style, not hashed into the workbook's style list for every cell)."""

    __slots__ = ("_style_id",)

    @property
    def style_id(self) -> int:
        return self._style_id


_EXACT_FORMATS: dict[type, str] = {kind: f for kind, f in NUMBER_FORMATS}


class CellWriter:
    """The cells of one write-only sheet. Every text is typed as text (never a formula; a leading formula trigger gets
    Excel's quote prefix, so editing the cell keeps it inert); money, dates and times get their number format.

    Fast path (issue 16: the exports ran 2-4× slower than plain openpyxl): ``value`` hands a text or integer that needs
    no style to openpyxl as a plain value, and a styled one as a ``_Styled`` triple whose style array is built once per
    combination; ``write_workbook`` writes those through one reused cell per sheet (``_fast_rows``) instead of a new
    ``WriteOnlyCell`` per cell (which openpyxl's own ``append`` also rejects with a costly ``ValueError`` first)."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self._styles: dict[tuple[str, bool, bool, bool, bool], tuple[StyleArray, int]] = {}

    def _style(self, key: tuple[str, bool, bool, bool, bool]) -> tuple[StyleArray, int]:
        style = self._styles.get(key)
        if style is not None:
            return style
        cell = WriteOnlyCell(self.ws)
        number_format, quote, bold, wrap, top = key
        if number_format:
            cell.number_format = number_format
        if quote:
            cell.quotePrefix = True
        if bold:
            cell.font = Font(bold=True)
        if wrap or top:
            cell.alignment = Alignment(wrap_text=wrap or None, vertical="top")
        array = copy(cell._style) if cell._style is not None else StyleArray()  # none set: the default (index 0)
        style = self._styles[key] = (array, self.ws.parent._cell_styles.add(array))
        return style

    def value(self, value: Any, bold: bool = False, wrap: bool = False, top: bool = False) -> Any:
        """What to append for ``value``: the value itself when openpyxl writes it right unstyled, else a ``_Styled``."""
        kind = type(value)
        if kind is str:
            text = value
        elif value is None:
            text = ""
        elif kind is bool:
            text = "是" if value else "否"
        elif isinstance(value, Decimal | int | float | dt.date):
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                value = value.astimezone(CHINA).replace(tzinfo=None)
            number_format = _EXACT_FORMATS.get(kind)
            if number_format is None:
                number_format = next((f for k, f in NUMBER_FORMATS if isinstance(value, k)), "")
            if not (number_format or bold or wrap or top):
                return value
            return _Styled(value, "d" if isinstance(value, dt.date) else "n",
                           *self._style((number_format, False, bold, wrap, top)))
        else:
            text = str(value)
        quote = text.startswith(FORMULA_TRIGGERS)
        if text and not (quote or bold or wrap or top) and text[0] != "#":
            return text  # openpyxl types it as text (no leading = or #: not a formula, not an error code)
        return _Styled(text, "s", *self._style(("", quote, bold, wrap, top)))  # never a formula or an error code


def _fast_rows(ws: WriteOnlyWorksheet) -> None:
    """Let ``ws.append`` take ``_Styled`` values: each is written through one reused cell (openpyxl writes a cell as
    soon as it is yielded, so nothing keeps it), plain values through another, as openpyxl's own
    ``_values_to_row`` does."""

    def values_to_row(values: Iterable[Any], row_idx: int) -> Iterator[Any]:
        plain = WriteOnlyCell(ws)
        styled = _ReusedCell(ws, row=1, column=1)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if type(value) is _Styled:
                cell = styled
                cell._value, cell.data_type, cell._style, cell._style_id = value
            else:
                cell = plain
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell is plain and plain.has_style:  # openpyxl gave it a number format (a time): not for the next
                plain = WriteOnlyCell(ws)

    ws._values_to_row = values_to_row  # type: ignore[method-assign]


@dataclass
class Sheet:
    """One worksheet. ``widths`` are column widths (Excel units); ``wrap`` the 0-based columns whose text wraps in
    its cell instead of widening the column; ``totals`` the 0-based columns summed into a bold ``total_label`` row
    after the last row (``finish_total`` may fill the other cells of that row, e.g. a ratio of two sums);
    ``print_title`` the page header (the sheet title when empty)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] = ()
    wrap: Sequence[int] = ()
    totals: Sequence[int] = ()
    total_label: str = "合计"
    finish_total: Callable[[list[Any]], list[Any]] | None = None
    print_title: str = ""


PAGE_FOOTER = "第 &P 页，共 &N 页"
LINE_HEIGHT = 15  # points: one line of the default 11-point font


@lru_cache(maxsize=4096)  # the same unit names and rule titles recur on every row; a bigger cache only keeps the
# unique texts (numbers, enterprise names) longer: with 65,536 a 100k-row workbook peaked at 37 MB, plain openpyxl 6 MB
def display_width(text: str) -> float:
    """Excel column units a text needs in the default font: about 2.2 for a CJK character, 1.1 for others."""
    return sum(2.2 if ord(ch) >= 0x2E80 else 1.1 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped cell ``width`` units wide (neither Excel nor LibreOffice sizes rows of a
    written file by itself, so the writer sets the height)."""
    usable = max(width - 1, 1)
    return max(1, -int(-display_width(text) // usable))


def print_setup(ws: WriteOnlyWorksheet, sheet: Sheet) -> None:
    """Print-ready: A4 landscape, fitted to one page wide (as many pages down as needed), the header row repeated on
    every page, narrow margins, grid lines, the title as page header and "第 n 页，共 N 页" as footer. Call before the
    first row is written (the fit-to-page flag is written with the sheet's head)."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # automatic: as many pages down as the rows need
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3)
    ws.HeaderFooter.oddHeader.center.text = (sheet.print_title or sheet.title).replace("&", "&&")
    ws.HeaderFooter.oddHeader.center.size = 12
    ws.HeaderFooter.oddFooter.center.text = PAGE_FOOTER


def write_workbook(sheets: Iterable[Sheet], out: IO[bytes]) -> None:
    """Write ``sheets`` to ``out`` with constant memory; rows may be a lazy generator (e.g. ``qs.iterator()``).
    Totals are added up while the rows stream past (``Decimal``/``int``, never float)."""
    wb = openpyxl.Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet.title[:31])
        for idx, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(idx)].width = width
        ws.freeze_panes = "A2"
        print_setup(ws, sheet)
        _fast_rows(ws)
        put = CellWriter(ws).value
        ws.append([put(h, True) for h in sheet.headers])
        wrap = {i: sheet.widths[i] for i in sheet.wrap if i < len(sheet.widths)}
        sums: dict[int, Any] = dict.fromkeys(sheet.totals, 0)
        heights: dict[int, dict[str, str]] = {}  # lines -> the row attributes openpyxl writes for that height
        for number, row in enumerate(sheet.rows, start=2):
            lines = max((wrapped_lines(str(row[i]), w) for i, w in wrap.items()
                         if i < len(row) and isinstance(row[i], str)), default=1) if wrap else 1
            if lines > 1:
                attrs = heights.get(lines)
                if attrs is None:
                    ws.row_dimensions[number].height = LINE_HEIGHT * lines
                    attrs = heights[lines] = dict(ws.row_dimensions[number])  # {"ht": …, "customHeight": "1"}
                # the writer reads only these attributes of the row: no RowDimension object built for every row
                dict.__setitem__(ws.row_dimensions, number, attrs)
            if wrap:
                ws.append([put(v, False, i in wrap, True) for i, v in enumerate(row)])
            else:
                ws.append([put(v) for v in row])
            if lines > 1:
                del ws.row_dimensions[number]  # written: keep memory flat
            for i in sums:
                value = row[i] if i < len(row) else None
                if isinstance(value, Decimal | int) and not isinstance(value, bool):
                    sums[i] += value
        if sheet.totals:
            total: list[Any] = [None] * len(sheet.headers)
            total[0] = sheet.total_label
            for i, value in sums.items():
                total[i] = value
            if sheet.finish_total is not None:
                total = sheet.finish_total(total)
            ws.append([put(v, True) for v in total])
    wb.save(out)


def xlsx_response(filename: str, sheets: Iterable[Sheet], *, subject: Any = None) -> FileResponse:
    """A streamed download: the workbook is written to a temporary file, then sent in chunks. The export is one
    access-log row (QZ §八(四)) of the current request: the file name, the number of data rows written and, when
    ``subject`` (the exported queryset, or the one record whose data it is) is given, its type and producer units."""
    from portal.access_log import access_record, queryset_unit_ids

    written = [0]

    def counted(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in rows:
            written[0] += 1
            yield row

    tmp = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    write_workbook((replace(sheet, rows=counted(sheet.rows)) for sheet in sheets), tmp)
    tmp.seek(0)
    if isinstance(subject, QuerySet):
        access_record(channel="export", action="export", model=subject.model, count=written[0], label=filename,
                      unit_ids=queryset_unit_ids(subject))
    else:
        access_record(channel="export", action="export", obj=subject, count=written[0], label=filename)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


# --------------------------------------------------------------------------------------------- import
@dataclass(frozen=True)
class RowError:
    row: int  # 1-based spreadsheet row number (the header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        col = f"“{self.column}”列" if self.column else ""
        return f"{where}{col}：{self.message}"


@dataclass
class XlsxImportError(Exception):
    errors: list[RowError] = field(default_factory=list)

    def __str__(self) -> str:
        return "；".join(str(e) for e in self.errors[:50]) + ("……" if len(self.errors) > 50 else "")


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header in row 1
    key: str
    kind: str = "str"  # str / int / decimal / date / bool / choice
    required: bool = False
    choices: dict[str, str] | None = None  # label or code -> code
    max_length: int | None = None


def _refusal(message: str) -> XlsxImportError:
    return XlsxImportError([RowError(0, "", message)])


def check_archive(fileobj: IO[bytes], *, max_bytes: int | None = None) -> None:
    """Refuse oversized files, non-xlsx files and zip bombs before any XML is parsed."""
    limit = max_bytes if max_bytes is not None else settings.PORTAL_XLSX_MAX_BYTES
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > limit:
        raise _refusal(f"文件过大：{size / 1048576:.1f} MB，上限 {limit / 1048576:.1f} MB。")
    if not zipfile.is_zipfile(fileobj):
        raise _refusal(NOT_XLSX)
    fileobj.seek(0)
    with zipfile.ZipFile(fileobj) as zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            raise XlsxImportError([RowError(0, "", "文件结构异常：压缩包内文件过多。")])
        total = sum(m.file_size for m in members)
        compressed = sum(m.compress_size for m in members) or 1
        if total > MAX_UNCOMPRESSED_BYTES or total / compressed > MAX_RATIO or any(
            m.compress_size and m.file_size / m.compress_size > MAX_RATIO for m in members
        ):
            raise XlsxImportError([RowError(0, "", "文件解压后体积异常（疑似压缩炸弹），已拒绝。")])
    fileobj.seek(0)


def office_package_error(fileobj: IO[bytes], suffix: str, *, max_bytes: int) -> str:
    """Why an Office Open XML attachment (.xlsx / .docx kept as a file, not read) is refused: not a readable zip
    or a zip bomb ('' when it is sound). The position of ``fileobj`` is reset to the start."""
    try:
        check_archive(fileobj, max_bytes=max_bytes)
    except XlsxImportError as exc:
        message = exc.errors[0].message
        return f"文件已损坏或不是有效的 {suffix} 文件。" if message == NOT_XLSX else message
    except (zipfile.BadZipFile, OSError, EOFError):
        return f"文件已损坏或不是有效的 {suffix} 文件。"
    finally:
        fileobj.seek(0)
    return ""


def _parser_message(exc: BaseException) -> str:
    """The Chinese reason for a parser failure (openpyxl wraps the XML parser's error in a ValueError)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return XML_ENTITIES
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, zipfile.BadZipFile | KeyError | OSError | InvalidFileException):
        return NOT_XLSX  # a zip that is no workbook (a plain archive, a .docx …)
    return UNREADABLE


def _csv_rows(fileobj: IO[bytes], limit: int) -> Iterator[tuple[str, ...]]:
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > limit:  # refused before anything is read
        raise _refusal(f"文件过大：{size / 1048576:.1f} MB，上限 {limit / 1048576:.1f} MB。")
    raw = fileobj.read(limit + 1)
    if len(raw) > limit:
        raise _refusal(f"文件过大：上限 {limit / 1048576:.1f} MB。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refusal("无法识别 CSV 文件编码，请使用 UTF-8 编码保存。")
    if "\x00" in text:
        raise _refusal("文件含有空字符（NUL），不是文本格式的 CSV 文件。")
    if MOJIBAKE.search(text):
        raise _refusal("文件含有乱码（疑似编码转换错误，如 UTF-8 文本被当作其他编码另存），"
                       "请用 Excel 或记事本另存为 UTF-8 编码的 CSV 后重新上传。")
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise _refusal(f"CSV 文件第 {reader.line_num} 行有单元格超过 {csv.field_size_limit()} 个字符，"
                               "无法读取。") from exc
            raise _refusal(f"CSV 文件第 {reader.line_num} 行格式错误（请检查引号和分隔符）。") from exc
        yield tuple(row)


FORMULA = "是公式，请粘贴为数值后重新上传"


def _column_name(header: Sequence[Any] | None, index: int) -> str:
    name = str(header[index]).strip() if header is not None and index < len(header) and header[index] is not None \
        else ""
    return name or f"第 {openpyxl.utils.get_column_letter(index + 1)} 列"


def _formula_errors(number: int, row: Sequence[Any], header: Sequence[Any] | None) -> list[RowError]:
    """Every formula cell of one row (``row`` holds cells of the .xlsx reader, or CSV texts beginning with "=")."""
    return [RowError(number, _column_name(header, i), FORMULA) for i, cell in enumerate(row)
            if (getattr(cell, "data_type", None) == "f") or (isinstance(cell, str) and cell.startswith("="))]


def _refuse_formulas(first: list[RowError], number: int, rows: Iterator[Sequence[Any]],
                     header: Sequence[Any] | None) -> XlsxImportError:
    """Stop at the first formula: read the rest of the sheet only to name every other formula cell, then refuse."""
    errors = list(first)
    for later, row in enumerate(rows, start=number + 1):
        if len(errors) > 50:
            break
        errors += _formula_errors(later, row, header)
    return XlsxImportError(errors)


def _without_formulas(rows: Iterator[Sequence[Any]],
                      value: Callable[[Any], Any]) -> Generator[tuple[Any, ...], None, None]:
    """Yield the values of ``rows``, refusing formula cells (issue 15: a formula read without its cached value was
    imported as an empty cell in silence). The header is the first row with a value."""
    header: tuple[Any, ...] | None = None
    for number, row in enumerate(rows, start=1):
        found = _formula_errors(number, row, header)
        if found:
            raise _refuse_formulas(found, number, rows, header)
        values = tuple(value(c) for c in row)
        if header is None and any(v is not None and str(v).strip() for v in values):
            header = values
        yield values


def upload_rows(fileobj: IO[bytes], file_name: str = ".xlsx", *, max_bytes: int | None = None,
                csv_allowed: bool = False) -> Generator[tuple[Any, ...], None, None]:
    """Every row of an uploaded spreadsheet, header first: the first sheet of an .xlsx, or a .csv (UTF-8, UTF-8 with
    BOM or GB18030) when ``csv_allowed`` and ``file_name`` ends in .csv. Whatever the parsers raise, on opening or while
    the rows are read (not a zip, a zip that is no workbook, XML entities refused by defusedxml, malformed XML, a CSV
    cell over the csv module's limit, an unknown encoding), becomes an ``XlsxImportError`` with a Chinese message; so
    does a formula cell in any column (“第 N 行“列名”列：是公式，请粘贴为数值后重新上传”; in a CSV, a cell beginning
    with "=")."""
    limit = max_bytes if max_bytes is not None else settings.PORTAL_XLSX_MAX_BYTES
    if csv_allowed and file_name.lower().endswith(".csv"):
        yield from _without_formulas(_csv_rows(fileobj, limit), lambda v: v)
        return
    try:
        check_archive(fileobj, max_bytes=limit)
        # formulas are read as formulas (not their cached values) so that they can be refused
        wb = openpyxl.load_workbook(fileobj, read_only=True, data_only=False)
    except XlsxImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the parser raises, the cause is the user's file
        raise _refusal(_parser_message(exc)) from exc
    try:
        try:
            cells = wb.worksheets[0].iter_rows()
        except Exception as exc:  # noqa: BLE001
            raise _refusal(_parser_message(exc)) from exc

        def guarded() -> Iterator[Sequence[Any]]:
            while True:
                try:
                    row = next(cells)
                except StopIteration:
                    return
                except Exception as exc:  # noqa: BLE001
                    raise _refusal(_parser_message(exc)) from exc
                yield row

        yield from _without_formulas(guarded(), lambda c: c.value)
    finally:
        wb.close()


def _convert(col: Column, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if col.required:
            raise ValueError("必填项为空")
        return None
    if col.kind == "str":
        text = str(raw).strip()
        if isinstance(raw, float) and raw.is_integer():
            text = str(int(raw))
        if col.max_length and len(text) > col.max_length:
            raise ValueError(f"超过 {col.max_length} 个字符")
        return text
    if col.kind == "int":
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValueError(f"“{raw}”不是整数") from None
        if value != value.to_integral_value():
            raise ValueError(f"“{raw}”不是整数")
        return int(value)
    if col.kind == "decimal":
        try:
            return Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"“{raw}”不是数字") from None
    if col.kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip().replace("/", "-"))
        except ValueError:
            raise ValueError(f"“{raw}”不是日期（格式 YYYY-MM-DD）") from None
    if col.kind == "bool":
        text = str(raw).strip().lower()
        if text in {"是", "y", "yes", "true", "1"}:
            return True
        if text in {"否", "n", "no", "false", "0"}:
            return False
        raise ValueError(f"“{raw}”应填“是”或“否”")
    if col.kind == "choice":
        assert col.choices is not None
        text = str(raw).strip()
        if text in col.choices:
            return col.choices[text]
        raise ValueError(f"“{text}”不是可选值（可选：{'、'.join(sorted(set(col.choices)))}）")
    raise AssertionError(col.kind)


def read_rows(fileobj: IO[bytes], columns: Sequence[Column], *, max_rows: int = 20000,
              max_bytes: int | None = None, allow_empty: bool = False) -> list[dict[str, Any]]:
    """Parse the first sheet into dicts keyed by ``Column.key``; raise ``XlsxImportError`` with every bad cell (a
    repeated header, a formula, a header without data rows unless ``allow_empty`` included)."""
    with closing(upload_rows(fileobj, max_bytes=max_bytes)) as rows:
        header = next(rows, None)
        if header is None:
            raise XlsxImportError([RowError(0, "", "工作表为空。")])
        names = [str(h).strip() if h is not None else "" for h in header]
        errors: list[RowError] = []
        known = {c.header for c in columns}
        for c in columns:
            if c.header not in names and c.required:
                errors.append(RowError(1, c.header, "缺少必需的列"))
        for name in names:
            if name and name not in known:
                errors.append(RowError(1, name, "无法识别的列（请使用导入模板的表头）"))
        for name in sorted({n for n in names if n and names.count(n) > 1}, key=names.index):
            errors.append(RowError(1, name, f"列名重复出现 {names.count(name)} 次，请只保留一列"))
        if errors:
            raise XlsxImportError(errors)
        index = {c.header: names.index(c.header) for c in columns if c.header in names}
        result: list[dict[str, Any]] = []
        for number, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if len(result) >= max_rows:
                raise XlsxImportError([RowError(number, "", f"行数超过上限 {max_rows}。")])
            record: dict[str, Any] = {"_row": number}
            for c in columns:
                raw = values[index[c.header]] if c.header in index and index[c.header] < len(values) else None
                try:
                    record[c.key] = _convert(c, raw)
                except ValueError as exc:
                    errors.append(RowError(number, c.header, str(exc)))
            result.append(record)
        if errors:
            raise XlsxImportError(errors)
        if not result and not allow_empty:
            raise XlsxImportError([RowError(0, "", "文件只有表头，没有数据行。")])
        return result


def import_all_or_nothing(rows: list[dict[str, Any]], write_row: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """Run ``write_row`` for every row inside one transaction; collect every row's error and roll back if any."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    errors: list[RowError] = []
    written: list[Any] = []
    with transaction.atomic():
        for row in rows:
            sid = transaction.savepoint()
            try:
                written.append(write_row(row))
                transaction.savepoint_commit(sid)
            except ValidationError as exc:
                transaction.savepoint_rollback(sid)
                if hasattr(exc, "error_dict"):
                    for fld, msgs in exc.message_dict.items():
                        for msg in msgs:
                            errors.append(RowError(row["_row"], fld if fld != "__all__" else "", msg))
                else:
                    for msg in exc.messages:
                        errors.append(RowError(row["_row"], "", msg))
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise XlsxImportError(errors)
    return written
