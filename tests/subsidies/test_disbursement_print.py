"""The finance disbursement workbook is print-ready (issue 12 §5): read back with openpyxl (合计 lines equal the sum of
the rows, widths show every 单位名称, landscape, fit to one page wide, header row repeated, Chinese page footer) and
printed with LibreOffice headless to PDF (poppler's pdfinfo/pdftotext): every page landscape and holding every column
of its sheet under the repeated header, so a sheet prints as many pages as its rows need and no more.

LibreOffice and poppler-utils come from ``scripts/install-browser.sh`` (``make browser``, run by ``make test``)."""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.db.models import Max, Sum

from portal.xlsx import display_width, wrapped_lines
from subsidies.exports import (
    DISBURSEMENT_HEADERS,
    POOL_HEADERS,
    SUMMARY_HEADERS,
    awards_of_year,
    workbook_sheets,
)
from subsidies.models import Award, AwardStatus, BudgetPool, ManualAward, ManualAwardStatus

pytestmark = pytest.mark.django_db

SUMMARY_SHEETS = ("按政策类别汇总", "按规则汇总", "按县区汇总")


def _year() -> int:
    return Award.objects.filter(status__in=(AwardStatus.RESERVED, AwardStatus.COMMITTED)).aggregate(y=Max("year"))["y"]


@pytest.fixture(scope="module")
def workbook_path(demo, django_db_blocker, tmp_path_factory) -> Path:
    """The workbook as finance staff get it: the management command over the seeded demo."""
    out = tmp_path_factory.mktemp("print") / "拨付表.xlsx"
    with django_db_blocker.unblock():
        call_command("export_disbursements", "--year", str(_year()), "--out", str(out))
    return out


def _to_pdf(xlsx: Path) -> Path:
    """Print ``xlsx`` with LibreOffice Calc headless (its own profile, so parallel runs do not share one)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "未安装 LibreOffice：请运行 make browser（scripts/install-browser.sh）"
    profile = xlsx.parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",  # noqa: S603
                    "--convert-to", "pdf", "--outdir", str(xlsx.parent), str(xlsx)],
                   check=True, capture_output=True, timeout=240)
    pdf = xlsx.with_suffix(".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {xlsx}"
    return pdf


def _pdf_pages(pdf: Path) -> list[tuple[Decimal, Decimal, str]]:
    """(width, height, text) of every page (pdfinfo and pdftotext from poppler-utils)."""
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout  # noqa: S607
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(count), str(pdf)],  # noqa: S607
                           check=True, capture_output=True, text=True).stdout
    dims = [(Decimal(w), Decimal(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", sizes)]
    assert len(dims) == count
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],  # noqa: S607
                            check=True, capture_output=True, text=True).stdout for n in range(1, count + 1)]
    return [(w, h, t) for (w, h), t in zip(dims, texts, strict=True)]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _has_all_headers(text: str, headers: list[str]) -> bool:
    flat = _squeeze(text)
    return all(_squeeze(h) in flat for h in headers)


def _money(value: object) -> Decimal:
    assert isinstance(value, int | float) and not isinstance(value, bool), value  # a number cell, not text
    return Decimal(str(value)).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------------------------- read back
def test_every_sheet_is_set_up_for_print(workbook_path):
    wb = openpyxl.load_workbook(workbook_path)
    year = _year()
    assert wb.sheetnames == [f"{year}年拨付明细", *SUMMARY_SHEETS, "资金池使用"]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize in (9, "9"), ws.title  # A4
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        assert ws.print_title_rows.replace("$", "") == "1:1", ws.title
        assert ws.freeze_panes == "A2"
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.oddHeader.center.text.startswith(f"{year}年度")
        last = [c.value for c in ws[ws.max_row]]
        assert last[0] == "合计" and ws.cell(ws.max_row, 1).font.b, ws.title


def test_detail_total_widths_and_money(workbook_path):
    wb = openpyxl.load_workbook(workbook_path)
    year = _year()
    ws = wb[f"{year}年拨付明细"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == DISBURSEMENT_HEADERS
    body, total = rows[1:-1], rows[-1]
    assert body, "the demo has approved awards"
    amount = DISBURSEMENT_HEADERS.index("金额")
    assert _money(total[amount]) == sum((_money(r[amount]) for r in body), Decimal("0"))
    approved = Award.objects.filter(year=year, status__in=(AwardStatus.RESERVED, AwardStatus.COMMITTED)).aggregate(
        s=Sum("amount"))["s"]
    manual = ManualAward.objects.filter(year=year, status__in=(ManualAwardStatus.APPROVED, ManualAwardStatus.DISBURSED))
    approved += manual.aggregate(s=Sum("amount"))["s"] or Decimal("0")  # 一事一议 lines are on the sheet too
    assert _money(total[amount]) == approved
    for row in ws.iter_rows(min_row=2, min_col=amount + 1, max_col=amount + 1):
        assert row[0].number_format == "#,##0.00"  # money: a number shown with two decimals
    # 单位名称: the column is at least as wide as its longest name (nothing cut off); every name is on the sheet
    unit = DISBURSEMENT_HEADERS.index("单位名称")
    names = {r[unit] for r in body}
    width = ws.column_dimensions[openpyxl.utils.get_column_letter(unit + 1)].width
    assert width >= max(display_width(n) for n in names), (width, names)
    assert ws.cell(2, unit + 1).alignment.wrap_text is not True
    # wrapped texts: the row is tall enough for every line (no application sizes rows of a written file itself)
    for row in ws.iter_rows(min_row=2):
        needed = max((wrapped_lines(str(c.value), ws.column_dimensions[c.column_letter].width)
                      for c in row if c.alignment.wrap_text and isinstance(c.value, str)), default=1)
        height = ws.row_dimensions[row[0].row].height
        assert needed == 1 or (height or 0) >= 15 * needed, (row[0].row, needed, height)
    assert names <= {p.budget_unit.name for p in BudgetPool.objects.exclude(budget_unit=None)} | {
        a.rule.responsible_department for a in awards_of_year(year, Award.objects.all())}


@pytest.mark.parametrize("title", SUMMARY_SHEETS)
def test_summary_totals_equal_the_rows(workbook_path, title):
    rows = list(openpyxl.load_workbook(workbook_path)[title].iter_rows(values_only=True))
    assert list(rows[0]) == SUMMARY_HEADERS
    body, total = rows[1:-1], rows[-1]
    assert total[0] == "合计" and body
    assert total[1] == sum(r[1] for r in body)
    for col in range(2, 6):
        assert _money(total[col]) == sum((_money(r[col]) for r in body), Decimal("0")), (title, col)


def test_pool_sheet_totals_and_use_rate(workbook_path):
    rows = list(openpyxl.load_workbook(workbook_path)["资金池使用"].iter_rows(values_only=True))
    assert list(rows[0]) == POOL_HEADERS
    body, total = rows[1:-1], rows[-1]
    for col in (4, 5, 6, 7):
        assert _money(total[col]) == sum((_money(r[col]) for r in body), Decimal("0")), col
    assert _money(total[7]) == _money(total[4]) - _money(total[5]) - _money(total[6])
    rate = ((_money(total[5]) + _money(total[6])) * 100 / _money(total[4])).quantize(Decimal("0.1"))
    assert Decimal(str(total[8])) == rate


# --------------------------------------------------------------------------------------------- printed
def _sheet_of(text: str, titles: dict[str, str]) -> str:
    flat = _squeeze(text)
    found = [sheet for sheet, header in titles.items() if _squeeze(header) in flat]
    assert len(found) == 1, (found, text[:200])
    return found[0]


MONEY = re.compile(r"\d[\d,]*\.\d\d(?!\d)")


def test_printed_pdf_is_landscape_and_one_page_wide(workbook_path):
    """LibreOffice prints every sheet landscape; each page carries its sheet's page header, the repeated header row
    with every column (so no column spilled onto a page of its own) and the footer "第 n 页"; a sheet has exactly as
    many pages as its lines need (lines counted by their two-decimal money cells)."""
    year = _year()
    wb = openpyxl.load_workbook(workbook_path)
    titles = {ws.title: ws.oddHeader.center.text for ws in wb.worksheets}
    headers = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets}
    money_cells = {ws.title: sum(1 for c in ws[2] if c.number_format == "#,##0.00") for ws in wb.worksheets}
    pages = _pdf_pages(_to_pdf(workbook_path))
    lines: dict[str, list[int]] = {}
    for number, (w, h, text) in enumerate(pages, start=1):
        assert w > h, f"page {number} is portrait ({w} x {h})"
        sheet = _sheet_of(text, titles)
        assert _has_all_headers(text, headers[sheet]), f"page {number} ({sheet}) lacks columns"
        assert re.search(r"第\s*\d+\s*页", text), f"page {number} has no page number"
        found = len(MONEY.findall(text))
        assert found % money_cells[sheet] == 0, (sheet, found)
        lines.setdefault(sheet, []).append(found // money_cells[sheet])
    assert list(lines) == wb.sheetnames  # in order, each sheet at least one page
    for ws in wb.worksheets:
        per_page = lines[ws.title]
        assert sum(per_page) == ws.max_row - 1, (ws.title, per_page)  # every line (and 合计) printed once
        assert len(per_page) == math.ceil((ws.max_row - 1) / per_page[0]), (ws.title, per_page)
    assert f"{year}年度惠企政策奖补拨付明细表" in _squeeze(pages[0][2])
    assert len(lines[f"{year}年拨付明细"]) == 1  # before issue 12 the detail printed as 18 portrait pages


def test_long_detail_list_prints_as_row_pages_only(demo, tmp_path):
    """240 lines of the detail sheet as the export defines it (columns, widths, wrapping, 合计): the PDF has exactly
    ceil(lines / lines per page) landscape pages, each with all 17 columns under the repeated header, and every line
    printed once."""
    from portal.xlsx import write_workbook

    year = _year()
    detail = workbook_sheets(year, Award.objects.all(), BudgetPool.objects.all())[0]
    line = next(iter(detail.rows))
    lines = 240
    sheet = dataclasses.replace(detail, rows=[line] * lines)
    path = tmp_path / "long.xlsx"
    with path.open("wb") as out:
        write_workbook([sheet], out)
    pages = _pdf_pages(_to_pdf(path))
    number = DISBURSEMENT_HEADERS.index("申报编号")
    per_page = [len(re.findall(re.escape(str(line[number])), text)) for _, _, text in pages]
    assert sum(per_page) == lines, per_page
    assert all(w > h for w, h, _ in pages)
    assert all(_has_all_headers(text, DISBURSEMENT_HEADERS) for _, _, text in pages)
    assert len(pages) == math.ceil(lines / per_page[0]) > 1, per_page
    assert "合计" in pages[-1][2]
