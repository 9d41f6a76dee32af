"""惠企政策奖补 sections of the 企业画像 (``portal.profile``): applications, awards by rule and year with the remaining
per-enterprise limits, 一事一议 awards, the collection data that mention the enterprise (facts read from the units'
submissions) and its 免申即享 candidates; each scoped by the subsidies policies."""

from __future__ import annotations

from typing import Any

from portal.display import EMPTY
from portal.permissions import AnyUser
from portal.profile import SectionData, admin_list_url, can_view_model, record_section, register_section
from subsidies.models import Application, Award, EnterpriseFact, ManualAward, MatchCandidate
from subsidies.models.matching import fact_label
from subsidies.permissions import ApplicationPolicy, EnterpriseFactPolicy, ManualAwardPolicy, MatchCandidatePolicy
from subsidies.selectors import enterprise_award_caps


def applications_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=Application, field="enterprise", policy=ApplicationPolicy(),
        select_related=("rule", "call"), order_by=("-period", "-created_at", "-pk"),
        columns=[("number", "申报编号", "number"), ("rule", "规则", "rule"), ("call", "申报批次", "call"),
                 ("period", "申报年度", lambda a: str(a.period)), ("status", "状态", "status"),
                 ("approved_amount", "核定金额（元）", "approved_amount")])


def awards_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    """核定奖补 by rule and year, with each rule's 年度上限/累计上限 and what remains of it."""
    if not can_view_model(viewer, Award):
        return None
    groups = enterprise_award_caps(user=viewer, enterprise_id=enterprise.pk)
    rows = []
    for g in groups:
        caps = g["caps"]
        rows.append({
            "rule": g["rule"], "year": str(g["year"]), "n": str(g["n"]), "total": format(g["total"], "f"),
            "paid": format(g["paid"], "f"),
            "cap": "；".join(f"{c['kind']} {c['cap']:f}" for c in caps) or "不设主体上限（按单次申报测算上限）",
            "used": "；".join(format(c["used"], "f") for c in caps) or EMPTY,
            "remaining": "；".join(format(c["remaining"], "f") for c in caps) or EMPTY,
            "url": admin_list_url(Award, enterprise__id__exact=enterprise.pk, rule__id__exact=g["rule_id"]),
        })
    return SectionData(
        columns=[("rule", "规则"), ("year", "年度"), ("n", "核定笔数"), ("total", "核定金额（元）"),
                 ("paid", "其中已拨付（元）"), ("cap", "主体上限（元）"), ("used", "已用额度（元）"),
                 ("remaining", "剩余额度（元）")],
        rows=rows, count=sum(g["records"] for g in groups),
        link=admin_list_url(Award, enterprise__id__exact=enterprise.pk),
        note="核定笔数与金额只计已核定、已拨付的奖补（不含已释放的）；已用额度按奖补计算器口径计入本主体在该规则下的"
             "全部有效奖补（年度上限按事项发生年度）。")


def manual_awards_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=ManualAward, field="enterprise", policy=ManualAwardPolicy(),
        select_related=("pool__call",), order_by=("-decided_on", "-pk"),
        columns=[("decision_number", "决定文号", "decision_number"), ("subject", "事项", "subject"),
                 ("year", "年度", lambda a: str(a.year)), ("amount", "奖补金额（元）", "amount"),
                 ("status", "状态", "status"), ("decided_on", "决定日期", "decided_on")])


register_section("subsidy_applications", "奖补申报", applications_section, order=20)
register_section("subsidy_awards", "奖补核定（按规则、年度，含剩余额度）", awards_section, order=21)
register_section("manual_awards", "一事一议奖补", manual_awards_section, order=22)


def collection_facts_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    """The rows of the departments' collection submissions that name the enterprise, as read by the fact sources."""
    return record_section(
        viewer, enterprise, model=EnterpriseFact, field="enterprise", policy=EnterpriseFactPolicy(),
        select_related=("source__collection_item__unit", "submission"), order_by=("-period", "fact", "-pk"),
        columns=[("fact", "事实", lambda f: fact_label(f.fact)),
                 ("value", "取值", "value"), ("period", "所属年度", lambda f: str(f.period)),
                 ("item", "采集事项", lambda f: str(f.source.collection_item)),
                 ("unit", "报送单位", lambda f: str(f.source.collection_item.unit)),
                 ("row", "报送记录 / 行号", lambda f: f"#{f.submission_id} / 第 {f.row_number} 行")])


def candidates_section(viewer: AnyUser, enterprise: Any) -> SectionData | None:
    return record_section(
        viewer, enterprise, model=MatchCandidate, field="enterprise", policy=MatchCandidatePolicy(),
        select_related=("rule", "call"), order_by=("-period", "rule__code", "-pk"),
        columns=[("rule", "规则", "rule"), ("call", "申报批次", "call"), ("amount", "预计金额（元）", "amount"),
                 ("status", "状态", "status")])


register_section("collection_facts", "采集数据中的记录（免申即享事实来源）", collection_facts_section, order=23)
register_section("match_candidates", "免申即享候选", candidates_section, order=24)
