"""Finance workbooks: the disbursement list with the Jinjiang finance columns (one line per paying level), and
summaries by family, rule and county plus budget utilisation per pool. Written with portal.xlsx (streaming,
formula-injection safe)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet

from portal.xlsx import Sheet, write_workbook, xlsx_response
from subsidies.models import Award, AwardStatus, BudgetPool
from subsidies.selectors import award_list, award_summary, pool_list, pool_utilisation

DISBURSEMENT_HEADERS = ["企业名称", "收款人", "收款人账号", "单位名称", "金额", "指标文号", "指标摘要", "项目名称",
                        "上级指标文号", "资金级次", "承担县（市、区）", "规则编号", "申报编号", "开户行", "核定日期",
                        "拨付日期", "状态"]
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
                   award.get_status_display()]


def _summary_rows(rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    total = [Decimal("0")] * 4
    count = 0
    for r in rows:
        values = [r["total"], r["city"], r["county_total"], r["paid"]]
        total = [a + b for a, b in zip(total, values, strict=True)]
        count += r["n"]
        yield [r["key"], r["n"], *values]
    yield ["合计", count, *total]


def workbook_sheets(year: int, awards: QuerySet[Award], pools: QuerySet[BudgetPool]) -> list[Sheet]:
    """Every sheet from the caller's scope: ``awards`` and ``pools`` are what the caller may see (all of them for the
    command line), so the summaries never add up rows the caller's lists do not show."""
    summary = award_summary(awards, year=year)
    return [
        Sheet(f"{year}年拨付明细", DISBURSEMENT_HEADERS, disbursement_rows(awards_of_year(year, awards)),
              widths=[30, 30, 24, 28, 14, 20, 20, 36, 20, 8, 14, 9, 18, 22, 12, 12, 16]),
        Sheet("按政策类别汇总", SUMMARY_HEADERS, _summary_rows(summary["family"]), widths=[24, 8, 16, 16, 16, 16]),
        Sheet("按规则汇总", SUMMARY_HEADERS, _summary_rows(summary["rule"]), widths=[40, 8, 16, 16, 16, 16]),
        Sheet("按县区汇总", SUMMARY_HEADERS, _summary_rows(summary["county"]), widths=[24, 8, 16, 16, 16, 16]),
        Sheet("资金池使用", POOL_HEADERS, ([r["call"], r["year"], r["level"], r["county"], r["amount"], r["reserved"],
                                       r["committed"], r["available"], r["utilisation"]]
                                      for r in pool_utilisation(pools, year=year)),
              widths=[30, 8, 8, 16, 16, 16, 16, 16, 10]),
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
