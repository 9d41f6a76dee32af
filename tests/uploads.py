"""Malformed uploads that once made the parsers raise (issue 10), built byte for byte for the upload tests."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            content = src.read(name)
            zf.writestr(name, change(content) if name == member else content)
    return out.getvalue()


def plain_zip() -> bytes:
    """A zip archive with no workbook in it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("说明.txt", "不是工作簿")
    return out.getvalue()


def docx_like_zip() -> bytes:
    """An Office Open XML package whose main part is a Word document, uploaded with an .xlsx name."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        zf.writestr("_rels/.rels", (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>'))
        zf.writestr("word/document.xml",
                    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    return out.getvalue()


def xlsx_with_entities(header: list[str]) -> bytes:
    """A real workbook whose sheet XML declares an entity (defusedxml refuses it)."""
    return _rewrite(xlsx([header, ["1"] * len(header)]), SHEET,
                    lambda d: b'<!DOCTYPE worksheet [<!ENTITY x "xxxxxxxx">]>' + d)


def xlsx_broken_after_rows(header: list[str]) -> bytes:
    """A workbook that opens, but whose sheet XML breaks off after the header: the error comes while reading rows."""
    return _rewrite(xlsx([header, ["1"] * len(header)]), SHEET,
                    lambda d: d[:d.index(b'<row r="2"')] + b'<row r="2"><c')


def csv_with_long_field(header: list[str]) -> bytes:
    """A CSV whose second row has a cell one character over the csv module's field limit."""
    return (",".join(header) + "\n" + "x" * (csv.field_size_limit() + 1) + "\n").encode("utf-8")


def long_name(suffix: str, length: int = 250) -> str:
    return "长" * (length - len(suffix)) + suffix
