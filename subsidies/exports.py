"""Finance workbooks: the disbursement list with the Jinjiang finance columns (one line per paying level), and
summaries by family, rule and county plus budget utilisation per pool. Written with portal.xlsx (streaming,
formula-injection safe), print-ready: landscape, one page wide, header row repeated, a 合计 line on every sheet,
the 单位名称 column as wide as its longest name, money as numbers with two decimals."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import chain
from typing import IO, Any

from django.db.models import Count, DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from portal.xlsx import Sheet, display_width, write_workbook, xlsx_response
from subsidies.models import Award, AwardStatus, BudgetPool, ManualAward
from subsidies.models.manual import KIND_LABEL
from subsidies.selectors import (
    LIVE_MANUAL,
    award_list,
    award_summary,
    manual_award_list,
    manual_award_summary,
    pool_list,
    pool_utilisation,
)

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


POOL_COLUMNS = ("budget_unit_id", "budget_unit__name", "budget_doc_number", "budget_summary",
                "parent_budget_doc_number")
AWARD_COLUMNS = ("enterprise__name", "payee_name", "payee_account", "enterprise__bank_account", "city_amount",
                 "county_amount", "county__name", "rule__code", "rule__title", "rule__responsible_department",
                 "application__number", "payee_bank", "enterprise__bank_name", "approved_on", "disbursed_on",
                 "payment_reference", "status", "county_pool_id",
                 *(f"city_pool__{c}" for c in POOL_COLUMNS), *(f"county_pool__{c}" for c in POOL_COLUMNS))


def disbursement_rows(awards: QuerySet[Award]) -> Iterator[list[Any]]:
    """One row per funding line: the city share, and the county share where the rule is split 1:1. Streamed as plain
    values (one ``values_list`` over the joins through a server-side cursor: no model instances per award)."""
    labels = {value: str(label) for value, label in AwardStatus.choices}
    for (enterprise, payee_name, payee_account, bank_account, city_amount, county_amount, county, rule_code,
         rule_title, department, number, payee_bank, bank_name, approved_on, disbursed_on, reference, status,
         county_pool_id, *pools) in awards.values_list(*AWARD_COLUMNS).iterator(chunk_size=2000):
        lines = [("市级", city_amount, pools[:5], "")]
        if county_amount > 0 and county_pool_id is not None:
            lines.append(("县级", county_amount, pools[5:], county or ""))
        for level, amount, (unit_id, unit_name, doc, summary, parent_doc), county_name in lines:
            yield [enterprise, payee_name or enterprise, payee_account or bank_account,
                   unit_name if unit_id is not None else department, amount, doc, summary,
                   f"{rule_code} {rule_title}", parent_doc, level, county_name, rule_code, number,
                   payee_bank or bank_name, approved_on, disbursed_on, reference, labels.get(status, status)]


def manual_of_year(year: int, manual: QuerySet[ManualAward]) -> QuerySet[ManualAward]:
    """Approved 一事一议 awards of the year (reserved or paid; rejected and cancelled ones excluded)."""
    return (manual.filter(year=year, status__in=LIVE_MANUAL)
            .select_related("enterprise", "pool__budget_unit", "pool__county", "pool__call__responsible_unit")
            .order_by("approved_on", "pk"))


def manual_rows(manual: QuerySet[ManualAward]) -> Iterator[list[Any]]:
    """One detail row per 一事一议 award (one pool, one paying level): 规则编号 reads 一事一议, 申报编号 the decision's
    文号, 项目名称 the matter decided."""
    for award in manual.iterator(chunk_size=500):
        pool = award.pool
        unit = pool.budget_unit.name if pool.budget_unit else (
            pool.call.responsible_unit.name if pool.call.responsible_unit else "")
        yield [award.enterprise.name, award.enterprise.name, award.enterprise.bank_account, unit, award.amount,
               pool.budget_doc_number, pool.budget_summary, f"{KIND_LABEL}：{award.subject}",
               pool.parent_budget_doc_number, pool.get_level_display(), pool.county.name if pool.county else "",
               KIND_LABEL, award.decision_number, award.enterprise.bank_name, award.approved_on, award.disbursed_on,
               award.payment_reference, award.get_status_display()]


def _with_manual(rows: list[dict[str, Any]], extra: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The county summary with the 一事一议 amounts added to the county (or 市级全额承担) lines they were paid from."""
    merged: dict[str, dict[str, Any]] = {r["key"]: dict(r) for r in rows}
    for r in extra:
        row = merged.setdefault(r["key"], {"key": r["key"], "n": 0, "total": Decimal("0"), "city": Decimal("0"),
                                           "county_total": Decimal("0"), "paid": Decimal("0")})
        for k in ("n", "total", "city", "county_total", "paid"):
            row[k] += r[k]
    return [merged[k] for k in sorted(merged)]


def _summary_rows(rows: list[dict[str, Any]]) -> Iterator[list[Any]]:
    """One line per key; the 合计 line is added by ``write_workbook`` (``Sheet.totals``)."""
    for r in rows:
        yield [r["key"], r["n"], r["total"], r["city"], r["county_total"], r["paid"]]


def manual_unit_names(manual: QuerySet[ManualAward]) -> set[str]:
    return {unit or department or "" for unit, department in manual.values_list(
        "pool__budget_unit__name", "pool__call__responsible_unit__name").distinct()}


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


def detail_widths(awards: QuerySet[Award], manual: QuerySet[ManualAward] | None = None) -> list[float]:
    """Column widths of the detail sheet: 单位名称 as wide as the longest name (never cut), the others fixed."""
    widths = list(DETAIL_WIDTHS)
    names = unit_names(awards) | (manual_unit_names(manual) if manual is not None else set())
    widths[UNIT_COLUMN] = max([display_width(n) + 2 for n in names] + [12.0])
    return widths


def _pool_total(row: list[Any]) -> list[Any]:
    """The 合计 line of the pool sheet: the use rate of all pools together (the column's sum means nothing)."""
    amount, reserved, committed = row[4], row[5], row[6]
    row[8] = ((reserved + committed) * 100 / amount).quantize(Decimal("0.1")) if amount else Decimal("0.0")
    return row


def workbook_sheets(year: int, awards: QuerySet[Award], pools: QuerySet[BudgetPool],
                    manual: QuerySet[ManualAward] | None = None) -> list[Sheet]:
    """Every sheet from the caller's scope: ``awards``, ``pools`` and ``manual`` (一事一议) are what the caller may
    see (all of them for the command line), so the summaries never add up rows the caller's lists do not show.
    一事一议 awards follow the rule awards in the detail (规则编号 一事一议) and are one subtotal line of their own
    in the family and rule summaries. Every sheet prints landscape, one page wide, with its header row repeated and
    a 合计 line (``portal.xlsx.print_setup``)."""
    summary = award_summary(awards, year=year)
    detail = awards_of_year(year, awards)
    manual_detail = manual_of_year(year, manual) if manual is not None else ManualAward.objects.none()
    extra = manual_award_summary(manual_detail, year=year)
    own_line = [extra["total"]] if extra["total"]["n"] else []
    money_totals = (2, 3, 4, 5)
    return [
        Sheet(f"{year}年拨付明细", DISBURSEMENT_HEADERS,
              chain(disbursement_rows(detail), manual_rows(manual_detail)),
              widths=detail_widths(detail, manual_detail),
              wrap=DETAIL_WRAP, totals=(4,), print_title=f"{year}年度惠企政策奖补拨付明细表"),
        Sheet("按政策类别汇总", SUMMARY_HEADERS, _summary_rows(summary["family"] + own_line),
              widths=[24, 8, 16, 16, 16, 16],
              wrap=(0,), totals=(1, *money_totals), print_title=f"{year}年度奖补按政策类别汇总"),
        Sheet("按规则汇总", SUMMARY_HEADERS, _summary_rows(summary["rule"] + own_line), widths=[40, 8, 16, 16, 16, 16],
              wrap=(0,), totals=(1, *money_totals), print_title=f"{year}年度奖补按规则汇总"),
        Sheet("按县区汇总", SUMMARY_HEADERS, _summary_rows(_with_manual(summary["county"], extra["county"])),
              widths=[24, 8, 16, 16, 16, 16],
              wrap=(0,), totals=(1, *money_totals), print_title=f"{year}年度奖补按县（市、区）汇总"),
        Sheet("资金池使用", POOL_HEADERS, ([r["call"], r["year"], r["level"], r["county"], r["amount"], r["reserved"],
                                       r["committed"], r["available"], r["utilisation"]]
                                      for r in pool_utilisation(pools, year=year)),
              widths=[30, 8, 9, 16, 16, 16, 16, 16, 10], wrap=(0, 3), totals=(4, 5, 6, 7), finish_total=_pool_total,
              print_title=f"{year}年度奖补资金池使用情况"),
    ]


def export_disbursements(*, year: int, out: IO[bytes]) -> dict[str, Any]:
    """The command line's workbook of ``year`` (every award and pool) to ``out``; the number of awards and total
    (counted and summed by the database: no list of every amount in memory)."""
    awards, pools, manual = Award.objects.all(), BudgetPool.objects.all(), ManualAward.objects.all()
    write_workbook(workbook_sheets(year, awards, pools, manual), out)
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))
    rule = awards_of_year(year, awards).order_by().aggregate(n=Count("pk"), total=Coalesce(Sum("amount"), zero))
    own = manual_of_year(year, manual).order_by().aggregate(n=Count("pk"), total=Coalesce(Sum("amount"), zero))
    return {"awards": rule["n"], "manual": own["n"], "total": rule["total"] + own["total"]}


def disbursement_response(year: int, user: Any) -> Any:
    """The workbook of ``year`` as the admin action streams it: awards and pools within ``user``'s scope."""
    return xlsx_response(f"奖补拨付表-{year}.xlsx",
                         workbook_sheets(year, award_list(user=user), pool_list(user=user),
                                         manual_award_list(user=user)))
