import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from portal.xlsx import (
    NOT_XLSX,
    XML_ENTITIES,
    Column,
    Sheet,
    XlsxImportError,
    import_all_or_nothing,
    read_rows,
    upload_rows,
    write_workbook,
)
from tests import uploads

PAYLOAD = "=cmd|'/c calc'!A1"


def _export(rows, headers=("名称", "金额")):
    buf = io.BytesIO()
    write_workbook([Sheet("导出", headers, rows)], buf)
    buf.seek(0)
    return buf


def test_formula_payload_is_written_as_inert_text():
    buf = _export([[PAYLOAD, Decimal("12.30")], ["+1+1", Decimal("1")], ["@SUM(A1)", None], ["-2", 5]])
    raw = zipfile.ZipFile(buf).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw  # no formula element anywhere
    buf.seek(0)
    ws = openpyxl.load_workbook(buf).active
    cell = ws["A2"]
    assert cell.value == PAYLOAD
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    assert ws["A3"].data_type == "s" and ws["A4"].data_type == "s" and ws["A5"].data_type == "s"
    assert ws["B2"].value == 12.3 and ws["B2"].number_format == "#,##0.00"


def test_export_streams_from_a_generator_without_materialising():
    produced = []

    def rows():
        for i in range(5000):
            produced.append(i)
            yield [f"第{i}行", i]

    buf = _export(rows())
    ws = openpyxl.load_workbook(buf, read_only=True).active
    assert sum(1 for _ in ws.iter_rows()) == 5001 and len(produced) == 5000


def _xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


COLUMNS = [Column("编码", "code", required=True, max_length=10), Column("金额", "amount", "decimal", required=True),
           Column("日期", "day", "date"), Column("共享", "shared", "bool"),
           Column("类型", "kind", "choice", choices={"无条件共享": "unconditional", "有条件共享": "conditional"})]


def test_import_reads_decimals_dates_and_choices():
    rows = read_rows(_xlsx([["编码", "金额", "日期", "共享", "类型"], ["A1", 0.1, "2026-10-08", "是", "无条件共享"]]),
                     COLUMNS)
    assert rows == [{"_row": 2, "code": "A1", "amount": Decimal("0.1"), "day": __import__("datetime").date(2026, 10, 8),
                     "shared": True, "kind": "unconditional"}]


def test_import_reports_every_bad_cell_with_row_and_column():
    buf = _xlsx([["编码", "金额", "日期", "共享", "类型"], ["A1", "abc", "2026-13-01", "也许", "不知道"], [None, 1, None, None, None]])
    with pytest.raises(XlsxImportError) as exc:
        read_rows(buf, COLUMNS)
    errors = {(e.row, e.column) for e in exc.value.errors}
    assert errors == {(2, "金额"), (2, "日期"), (2, "共享"), (2, "类型"), (3, "编码")}
    assert "第2行“金额”列：“abc”不是数字" in str(exc.value)


def test_import_reports_missing_and_unknown_columns():
    with pytest.raises(XlsxImportError) as exc:
        read_rows(_xlsx([["名字", "金额"], ["x", 1]]), COLUMNS)
    messages = [str(e) for e in exc.value.errors]
    assert "第1行“编码”列：缺少必需的列" in messages
    assert any("“名字”列：无法识别的列" in m for m in messages)


def test_import_refuses_oversized_file(settings):
    settings.PORTAL_XLSX_MAX_BYTES = 1024
    buf = _xlsx([["编码", "金额"]] + [[f"A{i}", i] for i in range(500)])
    with pytest.raises(XlsxImportError) as exc:
        read_rows(buf, COLUMNS)
    assert "文件过大" in str(exc.value)


def test_import_refuses_zip_bomb():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", "0" * (60 * 1024 * 1024))  # 60 MB of zeros → ~60 KB compressed
    buf.seek(0)
    assert len(buf.getvalue()) < 1024 * 1024
    with pytest.raises(XlsxImportError) as exc:
        read_rows(buf, COLUMNS)
    assert "压缩炸弹" in str(exc.value)


def test_import_refuses_non_xlsx():
    with pytest.raises(XlsxImportError) as exc:
        read_rows(io.BytesIO(b"name,amount\nA,1\n"), COLUMNS)
    assert "不是有效的 .xlsx 文件" in str(exc.value)


# ----------------------------------------------------------------------------------- the one upload reader
def _read(data: bytes, name: str = "报送.xlsx") -> list[tuple]:
    return list(upload_rows(io.BytesIO(data), name, csv_allowed=True))


@pytest.mark.parametrize(("data", "name", "message"), [
    (uploads.plain_zip(), "a.xlsx", NOT_XLSX),
    (uploads.docx_like_zip(), "a.xlsx", NOT_XLSX),
    (b"PK\x03\x04 truncated", "a.xlsx", NOT_XLSX),
    (uploads.xlsx_with_entities(["编码"]), "a.xlsx", XML_ENTITIES),
    (uploads.xlsx_broken_after_rows(["编码"]), "a.xlsx", "无法读取文件"),
    (uploads.csv_with_long_field(["编码"]), "a.csv", f"第 2 行有单元格超过 {__import__('csv').field_size_limit()} 个字符"),
    (b"a\x00b,c\n", "a.csv", "空字符"),
    (b"\x81\x20", "a.csv", "无法识别 CSV 文件编码"),
])
def test_upload_rows_turns_every_parser_error_into_a_chinese_refusal(data, name, message):
    with pytest.raises(XlsxImportError) as exc:
        _read(data, name)
    assert message in str(exc.value)


def test_upload_rows_reads_xlsx_and_csv_in_either_encoding():
    assert _read(uploads.xlsx([["编码", "金额"], ["A1", 2]])) == [("编码", "金额"), ("A1", 2)]
    assert _read("编码,金额\nA1,2\n".encode("utf-8-sig"), "a.csv") == [("编码", "金额"), ("A1", "2")]
    assert _read("编码,金额\nA1,2\n".encode("gb18030"), "a.CSV") == [("编码", "金额"), ("A1", "2")]


def test_upload_rows_reads_csv_only_where_the_caller_accepts_it():
    with pytest.raises(XlsxImportError) as exc:
        list(upload_rows(io.BytesIO(b"a,b\n"), "a.csv"))
    assert NOT_XLSX in str(exc.value)


def test_catalog_import_reader_refuses_errors_raised_while_reading_rows():
    for data in (uploads.xlsx_broken_after_rows(["编码", "金额"]), uploads.xlsx_with_entities(["编码", "金额"])):
        with pytest.raises(XlsxImportError) as exc:
            read_rows(io.BytesIO(data), COLUMNS)
        assert "文件" in str(exc.value) and "Error" not in str(exc.value)


def test_import_all_or_nothing_rolls_back_every_row(db):
    import datetime

    from portal.models import HolidayOverride

    rows = [{"_row": 2, "day": datetime.date(2030, 1, 1)}, {"_row": 3, "day": None},
            {"_row": 4, "day": datetime.date(2030, 1, 2)}]

    def write(row):
        if row["day"] is None:
            raise ValidationError({"day": ["日期必填"]})
        return HolidayOverride.objects.create(date=row["day"], is_workday=False)

    with pytest.raises(XlsxImportError) as exc:
        import_all_or_nothing(rows, write)
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "day")]
    assert not HolidayOverride.objects.exists()
    rows[1]["day"] = datetime.date(2030, 1, 3)
    assert len(import_all_or_nothing(rows, write)) == 3
