"""Finance workbooks: the disbursement list with the Jinjiang finance columns (one line per paying level), and
summaries by family, rule and county plus budget utilisation per pool. Written with portal.xlsx (streaming,
formula-injection safe), print-ready: landscape, one page wide, header row repeated, a 合计 line on every sheet,
the 单位名称 column as wide as its longest name, money as numbers with two decimals."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet

from portal.xlsx import Sheet, display_width, write_workbook, xlsx_response
from subsidies.models import Award, AwardStatus, BudgetPool
from subsidies.selectors import award_list, award_summary, pool_list, pool_utilisation

DISBURSEMENT_HEADERS = ["企业名称", "收款人", "收款人账号", "单位名称", "金额", "指标文号", "指标摘要", "项目名称",
                        "上级指标文号", "资金级次", "承担县（市、区）", "规则编号", "申报编号", "开户行", "核定日期",
                        "拨付日期", "支付凭证号", "状态"]
SUMMARY_HEADERS = ["项目", "笔数", "核定金额", "市级承担", "县级承担", "已拨付"]
POOL_HEADERS = ["申报批次", "年度", "资金级次", "县（市、区）", "预算总额", "已核定未拨付", "已拨付", "可用余额", "使用率(%)"]


def awards_of_year(year: int, awards: QuerySet[Award]) -> QuerySet[Award]:
    """Approved awards of the year (reserved or disbursed; released ones excluded)."""
    return (awards.filter(year=year, status__in=(AwardStatus.RESERVED, AwardStatus.COMMITTED))
            .select_related("enterprise", "rule", "application", "county", "city_pool__budget_unit",
                            "county_pool__budget_unit", "call")
            .order_by("approved_on", "pk"))


def disbursement_rows(awards: QuerySet[Award]) -> Iterator[list[Any]]:
    """One row per funding line: the city share, and the county share where the rule is split 1:1."""
    for award in awards.iterator(chunk_size=500):
        lines = [("市级", award.city_amount, award.city_pool, "")]
        if award.county_amount > 0 and award.county_pool is not None:
            lines.append(("县级", award.county_amount, award.county_pool, award.county.name if award.county else ""))
        for level, amount, pool, county in lines:
            unit = pool.budget_unit.name if pool.budget_unit else award.rule.responsible_department
            yield [award.enterprise.name, award.payee_name or award.enterprise.name,
                   award.payee_account or award.enterprise.bank_account, unit, amount, pool.budget_doc_number,
                   pool.budget_summary, f"{award.rule.code} {award.rule.title}", pool.parent_budget_doc_number,
                   level, county, award.rule.code, award.application.number,
                   award.payee_bank or award.enterprise.bank_name, award.approved_on, award.disbursed_on,
                   award.payment_reference, award.get_status_display()]


def _summary_rows(rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """One line per key; the 合计 line is added by ``write_workbook`` (``Sheet.totals``)."""
    for r in rows:
        yield [r["key"], r["n"], r["total"], r["city"], r["county_total"], r["paid"]]


def unit_names(awards: QuerySet[Award]) -> set[str]:
    """Every 单位名称 the detail sheet can show (the pools' budget units, else the rules' departments); one query."""
    names: set[str] = set()
    for city, county_pool, county, department in (
            awards.values_list("city_pool__budget_unit__name", "county_pool_id", "county_pool__budget_unit__name",
                               "rule__responsible_department").distinct()):
        names.add(city or department)
        if county_pool is not None:
            names.add(county or department)
    return names


# Detail columns whose text wraps inside the cell (rows grow taller, the page stays one page wide).
DETAIL_WRAP = (0, 1, 6, 7, 10, 13)
DETAIL_WIDTHS = [20, 20, 20, 0, 15, 25, 20, 26, 25, 9, 15, 9, 19, 18, 11.5, 11.5, 16, 23]  # 单位名称 (0): from the data
UNIT_COLUMN = 3


def detail_widths(awards: QuerySet[Award]) -> list[float]:
    """Column widths of the detail sheet: 单位名称 as wide as the longest name (never cut), the others fixed."""
    widths = list(DETAIL_WIDTHS)
    widths[UNIT_COLUMN] = max([display_width(n) + 2 for n in unit_names(awards)] + [12.0])
    return widths


def _pool_total(row: list[Any]) -> list[Any]:
    """The 合计 line of the pool sheet: the use rate of all pools together (the column's sum means nothing)."""
    amount, reserved, committed = row[4], row[5], row[6]
    row[8] = ((reserved + committed) * 100 / amount).quantize(Decimal("0.1")) if amount else Decimal("0.0")
    return row


def workbook_sheets(year: int, awards: QuerySet[Award], pools: QuerySet[BudgetPool]) -> list[Sheet]:
    """Every sheet from the caller's scope: ``awards`` and ``pools`` are what the caller may see (all of them for the
    command line), so the summaries never add up rows the caller's lists do not show. Every sheet prints landscape,
    one page wide, with its header row repeated and a 合计 line (``portal.xlsx.print_setup``)."""
    summary = award_summary(awards, year=year)
    detail = awards_of_year(year, awards)
    money_totals = (2, 3, 4, 5)
    return [
        Sheet(f"{year}年拨付明细", DISBURSEMENT_HEADERS, disbursement_rows(detail), widths=detail_widths(detail),
              wrap=DETAIL_WRAP, totals=(4,), print_title=f"{year}年度惠企政策奖补拨付明细表"),
        Sheet("按政策类别汇总", SUMMARY_HEADERS, _summary_rows(summary["family"]), widths=[24, 8, 16, 16, 16, 16],
              wrap=(0,), totals=(1, *money_totals), print_title=f"{year}年度奖补按政策类别汇总"),
        Sheet("按规则汇总", SUMMARY_HEADERS, _summary_rows(summary["rule"]), widths=[40, 8, 16, 16, 16, 16],
              wrap=(0,), totals=(1, *money_totals), print_title=f"{year}年度奖补按规则汇总"),
        Sheet("按县区汇总", SUMMARY_HEADERS, _summary_rows(summary["county"]), widths=[24, 8, 16, 16, 16, 16],
              wrap=(0,), totals=(1, *money_totals), print_title=f"{year}年度奖补按县（市、区）汇总"),
        Sheet("资金池使用", POOL_HEADERS, ([r["call"], r["year"], r["level"], r["county"], r["amount"], r["reserved"],
                                       r["committed"], r["available"], r["utilisation"]]
                                      for r in pool_utilisation(pools, year=year)),
              widths=[30, 8, 9, 16, 16, 16, 16, 16, 10], wrap=(0, 3), totals=(4, 5, 6, 7), finish_total=_pool_total,
              print_title=f"{year}年度奖补资金池使用情况"),
    ]


def export_disbursements(*, year: int, out: IO[bytes]) -> dict[str, Any]:
    """The command line's workbook of ``year`` (every award and pool) to ``out``; the number of awards and total."""
    awards, pools = Award.objects.all(), BudgetPool.objects.all()
    write_workbook(workbook_sheets(year, awards, pools), out)
    amounts = list(awards_of_year(year, awards).values_list("amount", flat=True))
    return {"awards": len(amounts), "total": sum(amounts, Decimal("0"))}


def disbursement_response(year: int, user: Any) -> Any:
    """The workbook of ``year`` as the admin action streams it: awards and pools within ``user``'s scope."""
    return xlsx_response(f"奖补拨付表-{year}.xlsx",
                         workbook_sheets(year, award_list(user=user), pool_list(user=user)))
