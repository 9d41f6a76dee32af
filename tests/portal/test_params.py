"""Issue 15: query parameters are read once, by ``portal.params``; what cannot be read is a 400 with a Chinese message
(API: ``{"<name>": [...]}``, admin: the 400 page with the message), never a silent default. Date bounds, and formula
cells named with their row and column."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from portal import params
from portal.xlsx import Column, XlsxImportError, read_rows, upload_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 10, 9))


@pytest.mark.parametrize(("text", "expected"), [("2026-03", date(2026, 3, 1)), ("2026-3", date(2026, 3, 1)),
                                                ("", None), (None, None), ("  2000-01 ", date(2000, 1, 1))])
def test_parse_month_reads(today, text, expected):
    assert params.parse_month(text) == expected


@pytest.mark.parametrize("text", ["abc", "2026-13", "2026-00", "26-03", "2026-03-01", "1999-12", "2037-01", "２０２６-03"])
def test_parse_month_refuses(today, text):
    with pytest.raises(params.ParamError) as exc:
        params.parse_month(text)
    assert exc.value.name == "month" and "YYYY-MM" in exc.value.message and "2000 至 2036" in exc.value.message


def test_parse_year_date_and_int(today):
    assert params.parse_year("2026") == 2026 and params.parse_year("", default=7) == 7
    for bad in ("abc", "20261", "1999", "2037", "-2026"):
        with pytest.raises(params.ParamError, match="应为年度"):
            params.parse_year(bad)
    assert params.parse_date("2026-10-09", name="on") == date(2026, 10, 9)
    for bad in ("2026-02-30", "0001-01-01", "9999-12-31", "x"):
        with pytest.raises(params.ParamError):
            params.parse_date(bad, name="on")
    assert params.parse_int("3", name="old") == 3
    for bad in ("0", "-1", "1.5", "abc", "9" * 12):
        with pytest.raises(params.ParamError, match="整数"):
            params.parse_int(bad, name="old")


def test_date_bounds(today):
    assert params.date_bounds() == (date(2000, 1, 1), date(2036, 10, 9))
    assert params.date_bound_error(date(2036, 10, 9), "截止日") == ""
    assert params.date_bound_error(date(2036, 10, 10), "截止日") == (
        "截止日（2036-10-10）晚于 2036-10-09（今天起 10 年内），请检查年份。")
    assert params.date_bound_error(date(1, 1, 1), "起始日") == "起始日（0001-01-01）早于 2000-01-01，请检查年份。"
    assert params.date_bounds(date(2028, 2, 29)) == (date(2000, 1, 1), date(2038, 2, 28))


def test_utilisation_and_summary_year(api_client, city_authority):
    api_client.force_authenticate(city_authority)
    for url in ("/api/v1/subsidies/pools/utilisation/", "/api/v1/subsidies/awards/summary/"):
        response = api_client.get(url, {"year": "abc"})
        assert response.status_code == 400, response.content
        assert response.json()["year"][0].startswith("参数 year 应为年度（四位数字")
    assert api_client.get("/api/v1/subsidies/pools/utilisation/", {"year": "2026"}).status_code == 200
    assert api_client.get("/api/v1/subsidies/pools/utilisation/").status_code == 200  # absent: every year
    assert api_client.get("/api/v1/subsidies/awards/summary/").json() == {"year": ["请提供年度，如 ?year="
                                                                                  f"{date.today().year}"]}


def test_collection_board_year_is_400_page(client, city_authority):
    client.force_login(city_authority)
    page = client.get("/admin/catalogs/collectiontask/board/", {"year": "abc"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "请求有误" in text and "参数 year 应为年度" in text and "收到“abc”" in text
    assert client.get("/admin/catalogs/collectiontask/board/", {"year": "2026"}).status_code == 200


def test_bad_parameter_outside_portal_params_keeps_the_generic_400(client):
    from django.core.exceptions import BadRequest
    from django.test import RequestFactory

    from portal.api.errors import bad_request

    response = bad_request(RequestFactory().get("/x/"), BadRequest("english"))
    assert response.status_code == 400 and "english" not in response.content.decode()
    api = bad_request(RequestFactory().get("/api/v1/x/"), params.ParamError("year", "参数 year 有误"))
    assert api.status_code == 400 and api.content.decode() == '{"year": ["参数 year 有误"]}'


# ------------------------------------------------------------------------------------------- formula cells
def _book(rows: list[list[object]]) -> io.BytesIO:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def test_formula_in_an_optional_column_is_named_with_row_and_column():
    columns = [Column("编码", "code", required=True), Column("备注", "note")]
    with pytest.raises(XlsxImportError) as exc:
        read_rows(_book([["编码", "备注"], ["A1", "好"], ["A2", "=A1&\"x\""], ["A3", "=SUM(1,2)"]]), columns)
    assert [str(e) for e in exc.value.errors] == ["第3行“备注”列：是公式，请粘贴为数值后重新上传",
                                                   "第4行“备注”列：是公式，请粘贴为数值后重新上传"]


def test_text_that_looks_like_a_formula_is_not_a_formula():
    """A cell typed as text ('=abc' with Excel's quote prefix, or written as a string) is text, kept as typed."""
    wb = openpyxl.Workbook()
    wb.active.append(["编码", "备注"])
    wb.active.append(["A1", None])
    wb.active["B2"].value = "=不是公式"
    wb.active["B2"].data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    rows = list(upload_rows(buf))
    assert rows[1] == ("A1", "=不是公式")


def test_repeated_header_and_header_only():
    columns = [Column("编码", "code", required=True)]
    with pytest.raises(XlsxImportError, match="列名重复出现 2 次"):
        read_rows(_book([["编码", "编码"], ["A", "B"]]), columns)
    with pytest.raises(XlsxImportError, match="只有表头，没有数据行"):
        read_rows(_book([["编码"]]), columns)
    assert read_rows(_book([["编码"]]), columns, allow_empty=True) == []
