"""The bad-file corpus (issue 15 point 3), generated at test time: nothing of it is committed (the 50 MB file is
written to a temporary folder). ``corpus(header, row)`` builds every file around one valid header and data row, so
that each file has exactly one defect; ``SPREADSHEET_ONLY`` and ``ACCEPTABLE`` say which files a path that keeps
files as attachments (not read as tables) may accept."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.uploads import SHEET, _rewrite, xlsx

BIG_BYTES = 50 * 1024 * 1024
SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class BadFile:
    key: str
    name: str  # the upload's file name (its extension decides the reader)
    content: Callable[[], bytes] | None = None  # None: the 50 MB file, see ``big_file``
    defect: str = ""


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def malformed_zip(header: list[str], row: list[object]) -> bytes:
    """A workbook cut in half: the zip's local headers are there, its central directory is not."""
    data = xlsx([header, row])
    return data[: len(data) // 2]


def zip_with_garbage(header: list[str], row: list[object]) -> bytes:
    """A zip whose members carry the workbook's names but random bytes."""
    return _zip({"[Content_Types].xml": b"\x00\xff" * 200, "xl/workbook.xml": b"\xde\xad\xbe\xef" * 100,
                 SHEET: b"garbage" * 50})


def zip_bomb(header: list[str], row: list[object]) -> bytes:
    """A real workbook plus one member of 40 MB of zeros (compressed about 1000 : 1)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx([header, row])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in src.namelist():
            zf.writestr(name, src.read(name))
        zf.writestr("xl/media/padding.bin", b"\x00" * (40 * 1024 * 1024))
    return out.getvalue()


def billion_laughs(header: list[str], row: list[object]) -> bytes:
    """The sheet XML declares nested entities (XML entity expansion); defusedxml must refuse it before expanding."""
    dtd = (b'<!DOCTYPE worksheet [<!ENTITY a "hahahahahahahahahaha">'
           + b"".join(b'<!ENTITY %c "&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;&%c;">' % ((n, p) + (p,) * 9)
                      for n, p in zip(b"bcdefghij", b"abcdefghi", strict=True))
           + b"]>")
    def add(sheet: bytes) -> bytes:
        if sheet.startswith(b"<?xml"):
            end = sheet.index(b"?>") + 2
            return sheet[:end] + dtd + sheet[end:]
        return dtd + sheet
    return _rewrite(xlsx([header, row]), SHEET, add)


def formula_cells(header: list[str], row: list[object]) -> bytes:
    """The data row's last column (an optional one where the path has any) is a formula without a cached value."""
    return xlsx([header, [*row[:-1], "=1+1"]])


def html_text(header: list[str], row: list[object]) -> bytes:
    """HTML and JavaScript in every text cell that takes free text (kept as text, escaped wherever it is shown)."""
    return xlsx([header, [f"{v}{SCRIPT}" if isinstance(v, str) and i == len(row) - 1 else v
                          for i, v in enumerate(row)]])


def csv_text(header: list[str], row: list[object], encoding: str) -> bytes:
    lines = [",".join(header), ",".join("" if v is None else str(v) for v in row)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def corpus(header: list[str], row: list[object]) -> list[BadFile]:
    """Every bad file, built around ``header`` and one valid ``row``."""
    return [
        BadFile("malformed-xlsx", "截断.xlsx", lambda: malformed_zip(header, row), "zip cut in half"),
        BadFile("zip-garbage", "乱码.xlsx", lambda: zip_with_garbage(header, row), "zip of random members"),
        BadFile("csv-as-xlsx", "其实是csv.xlsx", lambda: csv_text(header, row, "utf-8"), ".xlsx that is a CSV"),
        BadFile("html-as-xlsx", "其实是网页.xlsx",
                lambda: f"<html><body><script>alert(1)</script>{''.join(header)}</body></html>".encode(),
                ".xlsx that is HTML"),
        BadFile("zip-bomb", "炸弹.xlsx", lambda: zip_bomb(header, row), "compression ratio ~1000"),
        BadFile("xml-entities", "实体.xlsx", lambda: billion_laughs(header, row), "billion laughs"),
        BadFile("formula", "公式.xlsx", lambda: formula_cells(header, row), "formula in the last column"),
        BadFile("formula-csv", "公式.csv", lambda: csv_text(header, [*row[:-1], "=HYPERLINK(\"http://x\")"], "utf-8"),
                "CSV cell beginning with ="),
        BadFile("gbk-csv", "国标编码.csv", lambda: csv_text(header, row, "gbk"), "GBK CSV"),
        BadFile("utf16-csv", "UTF16.csv", lambda: csv_text(header, row, "utf-16"), "UTF-16 CSV"),
        BadFile("utf8-as-gbk-mojibake", "双重编码.csv",
                lambda: csv_text(header, row, "utf-8").decode("latin-1").encode("utf-8"),
                "UTF-8 read as Latin-1 and saved again (mojibake)"),
        BadFile("big-xlsx", "超大.xlsx", None, "50 MB"),
        BadFile("big-csv", "超大.csv", None, "50 MB"),
        BadFile("html-text", "网页文字.xlsx", lambda: html_text(header, row), "HTML/JS in a text cell"),
        BadFile("empty-xlsx", "空.xlsx", lambda: b"", "0 bytes"),
        BadFile("empty-csv", "空.csv", lambda: b"", "0 bytes"),
        BadFile("header-only", "只有表头.xlsx", lambda: xlsx([header]), "no data row"),
        BadFile("duplicate-header", "重复表头.xlsx", lambda: xlsx([[*header, header[0]], [*row, row[0]]]),
                "first column twice"),
    ]


def big_file(folder: Path, name: str) -> Path:
    """A 50 MB file in ``folder`` (a zip-looking head for .xlsx, text rows for .csv), written once per folder."""
    path = folder / name
    if not path.exists():
        with path.open("wb") as out:
            head = b"PK\x03\x04" if name.endswith(".xlsx") else b"a,b\r\n"
            out.write(head)
            chunk = (b"x" * 1023 + b"\n") * 1024
            for _ in range(BIG_BYTES // len(chunk)):
                out.write(chunk)
    return path


# Files a path that reads tables must refuse, but an attachment path may keep (it never reads them as tables):
# valid workbooks whose content is odd (a formula, HTML text, no data row, a repeated header).
ATTACHMENT_MAY_KEEP = {"formula", "html-text", "header-only", "duplicate-header", "xml-entities", "zip-garbage"}
# Files a table reader may accept when it reads them correctly (the GBK CSV is decoded, not garbled; HTML text is
# kept as text and escaped on display).
READER_MAY_ACCEPT = {"gbk-csv", "html-text"}
