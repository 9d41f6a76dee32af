"""The 38 rules of subsidy_rules.md as code: facts, step lists, default (dated) parameters, citations, windows.

Parameter values here are only the *defaults* loaded into the database (RuleParameter) at migrate time; the
calculator uses the database values in force on the calculation date, so a new policy year is a data change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from subsidies.rules.facts import BOOL, CHOICE, INT, MONEY, MULTI, TEXT, Fact
from subsidies.rules.primitives import (
    AllTrue,
    Base,
    Cap,
    CapByTier,
    CumulativeCap,
    Difference,
    ExcessOverRate,
    FirstCrossing,
    Fixed,
    GrowthAtLeast,
    HighestOf,
    OncePerYear,
    PerUnit,
    PerUnitByChoice,
    Rate,
    Step,
    Threshold,
    TierByKey,
    TierByThreshold,
    YearCap,
)

D = dt.date

# Families (平台经济 / 数字经济 / 制造业数字化转型 / 跨境电商)
PLATFORM, DIGITAL, MANUFACTURING, CROSS_BORDER = "platform", "digital", "manufacturing", "cross_border"
FAMILY_CHOICES = [(PLATFORM, "平台经济"), (DIGITAL, "数字经济"), (MANUFACTURING, "制造业数字化转型"),
                  (CROSS_BORDER, "跨境电商")]
# Funding
SPLIT, CITY_ONLY, LOCAL_FULL = "split_1_1", "city_only", "local_full"
FUNDING_CHOICES = [(SPLIT, "市、县两级财政按1:1分摊"), (CITY_ONLY, "市级全额承担"), (LOCAL_FULL, "市级（当地政府）全额承担，文件未规定分摊")]
# Recipients
ENTERPRISE, INDIVIDUAL, PARK, ORGANISER, PLATFORM_OPERATOR = (
    "enterprise", "individual", "park_committee", "organiser", "platform_operator")
RECIPIENT_CHOICES = [(ENTERPRISE, "企业"), (INDIVIDUAL, "个人（企业高管）"), (PARK, "开发区（高新区）管委会"),
                     (ORGANISER, "行业协会或企业（活动主办方）"), (PLATFORM_OPERATOR, "平台运营主体")]

DOC_2021 = "泉政办〔2021〕21号"
DOC_2025 = "泉政办规〔2025〕18号"
DOC_2022 = "泉政办〔2022〕7号"
DOC_GD = "粤办函〔2021〕328号"
SPLIT_CITATION = f"{DOC_2025} 九(二)"
# The clause that sets a document's window (the "in force" trace step cites it, not the rule's own clause).
WINDOW_CITATIONS = {
    DOC_2021: f"{DOC_2021}（2021年6月8日印发，奖补条款未规定截止日期）",
    DOC_2025: f"{DOC_2025} 九(一)",
    DOC_GD: f"{DOC_GD}（原文未注明施行日期，自2021年1月1日起算）",
}

DOCUMENTS: list[dict[str, Any]] = [
    {"doc_number": DOC_2021, "title": "泉州市人民政府办公室关于印发泉州市政务数据管理规定和泉州市平台经济“五十百千”行动实施方案的通知",
     "issuer": "泉州市人民政府办公室", "issued_on": D(2021, 6, 8), "effective_from": D(2021, 6, 8),
     "effective_to": None, "jurisdiction": "泉州市", "source_file": "seeds/000_e5ef3883380259ab.txt"},
    {"doc_number": DOC_2022, "title": "加快泉州市数字经济发展若干措施（2022年版，已废止）",
     "issuer": "泉州市人民政府办公室", "issued_on": D(2022, 1, 1), "effective_from": D(2022, 1, 1),
     "effective_to": D(2026, 1, 31), "jurisdiction": "泉州市", "source_file": "",
     "note": "由泉政办规〔2025〕18号 九(三) 废止；仅作历史记录，原文未收录，签发日期按年初登记。"},
    {"doc_number": DOC_2025, "title": "泉州市人民政府办公室关于印发加快泉州市数字经济发展若干措施的通知",
     "issuer": "泉州市人民政府办公室", "issued_on": D(2025, 12, 31), "effective_from": D(2026, 2, 1),
     "effective_to": D(2029, 12, 31), "jurisdiction": "泉州市", "source_file": "seeds/003_a5bcbf2db451fef8.txt",
     "supersedes": [DOC_2021], "repeals": [DOC_2022]},
    {"doc_number": DOC_GD, "title": "广东省人民政府办公厅印发关于推进跨境电商高质量发展若干政策措施的通知",
     "issuer": "广东省人民政府办公厅", "issued_on": D(2021, 1, 1), "effective_from": D(2021, 1, 1),
     "effective_to": None, "jurisdiction": "广东省（珠三角九市）", "source_file": "seeds/001_2400bce43f508846.txt",
     "note": "原文未注明施行日期，按 subsidy_rules.md 自2021-01-01起算。"},
]

DEPARTMENTS = {  # org code -> Chinese name (responsible department)
    "QZ-DATA": "市数据管理局", "QZ-GXJ": "市工信局", "QZ-SWJ": "市商务局", "QZ-CZJ": "市财政局", "QZ-KJJ": "市科技局",
}


@dataclass(frozen=True)
class RuleDef:
    code: str
    title: str
    family: str
    document: str
    clause: str
    department: str  # org code of the responsible department
    department_text: str
    facts: tuple[Fact, ...]
    steps: tuple[Step, ...]
    params: dict[str, Any]
    funding: str = SPLIT
    recipient: str = ENTERPRISE
    competitive_limit: int | None = None
    valid_from: dt.date = D(2026, 2, 1)
    valid_to: dt.date | None = D(2029, 12, 31)
    superseded_by: str = ""
    keyed: bool = False  # has the optional `key` fact (history counted per key)
    summary: str = ""
    note: str = ""
    periods: tuple[tuple[dt.date, dt.date | None], ...] = field(default=())
    window_source: str = ""  # the clauses setting the window when they are not only the document's (DE-23, MDX-01)

    @property
    def citation(self) -> str:
        return f"{self.document} {self.clause}"

    @property
    def window_citation(self) -> str:
        return self.window_source or WINDOW_CITATIONS[self.document]

    @property
    def bool_facts(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.facts if f.type == BOOL)


def m(name: str, label: str, help: str = "") -> Fact:  # noqa: A002 - matches the contract's "help"
    return Fact(name, label, MONEY, help=help)


def b(name: str, label: str, help: str = "", reason: str = "") -> Fact:  # noqa: A002
    return Fact(name, label, BOOL, help=help, false_reason=reason)


def i(name: str, label: str, help: str = "", lo: int | None = 0, hi: int | None = None) -> Fact:  # noqa: A002
    return Fact(name, label, INT, help=help, min_value=lo, max_value=hi)


KEY_FACT = Fact("key", "项目/作品标识", TEXT, required=False,
                help="项目编号、发行许可证号或作品名称；差额和就高不重复按同一标识计算，不填则本规则全部历史均计入")


def _rule(code: str, title: str, family: str, document: str, clause: str, dept: str, facts: list[Fact],
          steps: list[Step], params: dict[str, Any], **extra: Any) -> RuleDef:
    bools = tuple(f.name for f in facts if f.type == BOOL)
    reasons = {f.name: f.false_reason for f in facts if f.type == BOOL and f.false_reason}
    gate: list[Step] = [AllTrue(bools, reasons)] if bools else []
    if extra.get("keyed"):
        facts = [*facts, KEY_FACT]
    return RuleDef(code=code, title=title, family=family, document=document, clause=clause, department=dept,
                   department_text=extra.pop("department_text", DEPARTMENTS[dept]), facts=tuple(facts),
                   steps=tuple(gate + steps), params=params, **extra)


PE = {"valid_from": D(2021, 6, 8), "valid_to": None, "funding": LOCAL_FULL}
IT = "信息化相关软硬件投入（元）"

RULES: list[RuleDef] = [
    # ------------------------------------------------------------------ 平台经济 泉政办〔2021〕21号 §三
    _rule("PE-01", "大区公司内部购销印花税奖励", PLATFORM, DOC_2021, "三(一)1", "QZ-CZJ",
          [m("local_retained_stamp_duty", "大区公司内部购销印花税我市地方级留成部分（元）"),
           i("reward_year", "奖励年度（第几年）", "自首个奖励年度起算，第1年填1", lo=1)],
          [Threshold("reward_year", "<=", "max_years", "奖励期限为{limit}年，已超过奖励期限"),
           Base("local_retained_stamp_duty", "full local retained part")],
          {"max_years": "10"}, **PE),
    _rule("PE-02", "知名电商企业设立总部奖励", PLATFORM, DOC_2021, "三(一)2", "QZ-SWJ",
          [b("top_ranked", "国际排名100强或国内排名50强电子商务企业"),
           b("hq_registered_locally", "在泉州注册设立全国性/区域总部"),
           b("independent_accounting", "总部独立核算")],
          [Fixed("amount")], {"amount": "200000"}, **PE),
    _rule("PE-03", "工业企业新设电商总部奖励", PLATFORM, DOC_2021, "三(一)3", "QZ-SWJ",
          [b("industrial_enterprise", "申报主体为工业企业"), b("new_entity_registered", "在泉州新注册成立电子商务总部或法人企业"),
           b("independent_accounting", "新设主体独立核算"), m("online_retail_sales", "年度网上零售销售额（元）")],
          [TierByThreshold("online_retail_sales", "tiers", "年度网上零售销售额未达到5000万元"), Difference()],
          {"tiers": [["50000000", "150000"], ["100000000", "300000"]]}, **PE),
    _rule("PE-04", "工业互联网示范工程补助(2021)", PLATFORM, DOC_2021, "三(二)1", "QZ-GXJ",
          [m("it_investment", IT), b("provider_is_local", "“互联网+”解决方案提供方为本地企业")],
          [Rate("it_investment", "rate"), Cap("cap")], {"rate": "0.10", "cap": "1000000"},
          valid_from=D(2021, 6, 8), valid_to=D(2026, 1, 31), superseded_by="MDX-02", funding=LOCAL_FULL,
          window_source=f"{DOC_2021}（2021年6月8日印发）；{DOC_2025} 九(一)（自2026年2月1日不一致处按新措施执行）"),
    _rule("PE-05", "两化融合示范/公共服务平台补助", PLATFORM, DOC_2021, "三(二)2", "QZ-GXJ",
          [m("it_investment", IT)], [Rate("it_investment", "rate"), Cap("cap")],
          {"rate": "0.10", "cap": "2000000"}, **PE),
    _rule("PE-06", "行业垂直电商平台补助", PLATFORM, DOC_2021, "三(二)3", "QZ-SWJ",
          [m("new_construction_investment", "平台当年度新增建设投资（元）")],
          [Rate("new_construction_investment", "rate"), Cap("cap")], {"rate": "0.30", "cap": "1000000"},
          recipient=PLATFORM_OPERATOR, **PE),
    _rule("PE-07", "国家级电商示范基地/企业奖励", PLATFORM, DOC_2021, "三(三)1", "QZ-SWJ",
          [Fact("designation", "获批类别", CHOICE, choices=(("national_base", "国家级电子商务示范基地（园区）"),
                                                       ("national_enterprise", "国家级电子商务示范企业"))),
           b("newly_approved_this_year", "当年度新获批")],
          [TierByKey("designation", "tiers")], {"tiers": {"national_base": "1000000", "national_enterprise": "500000"}},
          **PE),
    _rule("PE-08", "跨境电商公共服务平台补助", PLATFORM, DOC_2021, "三(三)2", "QZ-SWJ",
          [i("declarations_prev_year", "上年度报关单量（含邮件、快件、9610）"),
           i("declarations_this_year", "当年度报关单量（含邮件、快件、9610）"),
           m("new_investment", "平台年度新增投资（元）", "总部建设装修、系统开发、软件购买、设备购置、平台推广等")],
          [GrowthAtLeast("declarations_prev_year", "declarations_this_year", "min_growth"),
           Rate("new_investment", "rate"), Cap("cap")],
          {"min_growth": "0.50", "rate": "0.30", "cap": "1000000"}, recipient=PLATFORM_OPERATOR, **PE),
    _rule("PE-09", "“泉企上云”补助", PLATFORM, DOC_2021, "三(四)2", "QZ-GXJ",
          [m("annual_cloud_service_fee", "年度上云服务费（元）")],
          [Threshold("annual_cloud_service_fee", ">", "fee_threshold", "年度服务费须超过{limit}元"),
           Rate("annual_cloud_service_fee", "rate"), YearCap("annual_cap")],
          {"fee_threshold": "50000", "rate": "0.30", "annual_cap": "100000"}, **PE),
    _rule("PE-10", "标识解析综合型二级节点建设补助", PLATFORM, DOC_2021, "三(四)3", "QZ-GXJ",
          [m("it_investment", IT)], [Rate("it_investment", "rate"), Cap("cap")],
          {"rate": "0.40", "cap": "7000000"}, **PE),
    _rule("PE-11", "二级节点接入规上企业奖励", PLATFORM, DOC_2021, "三(四)3", "QZ-GXJ",
          [i("newly_connected_enterprises", "当年新接入规上工业企业数（家）")],
          [Threshold("newly_connected_enterprises", ">=", "min_enterprises", "当年新接入规上工业企业须达到{limit}家以上"),
           PerUnit("newly_connected_enterprises", "per_enterprise"), YearCap("annual_cap")],
          {"min_enterprises": "30", "per_enterprise": "40000", "annual_cap": "2000000"}, **PE),
    # ------------------------------------------------------------------ 数字经济 泉政办规〔2025〕18号
    _rule("DE-01", "高质量数据集建设补助", DIGITAL, DOC_2025, "一(一)", "QZ-DATA",
          [m("project_investment", "项目实际投入（元）"), b("selected", "经评选确定为成效显著项目")],
          [Rate("project_investment", "rate"), Cap("cap")], {"rate": "0.10", "cap": "1000000"}, competitive_limit=5),
    _rule("DE-02", "可信数据空间建设补助", DIGITAL, DOC_2025, "一(二)", "QZ-DATA",
          [m("project_investment", "项目实际投入（元）"), b("selected", "经评选确定为成效显著项目")],
          [Rate("project_investment", "rate"), Cap("cap")], {"rate": "0.10", "cap": "1000000"}, competitive_limit=5),
    _rule("DE-03", "DCMM贯标奖励", DIGITAL, DOC_2025, "一(三)", "QZ-DATA",
          [i("dcmm_level", "DCMM 评估等级（1–5级）", lo=1, hi=5), b("first_pass_at_level", "首次通过该等级评估")],
          [TierByKey("dcmm_level", "tiers", "DCMM 3级以下不予奖励"), Difference()],
          {"tiers": {"3": "50000", "4": "100000", "5": "200000"}}),
    _rule("DE-04", "大数据应用示范项目补贴", DIGITAL, DOC_2025, "一(四)", "QZ-DATA",
          [m("project_investment", "项目投资（元）"), b("selected", "经竞争性评选入选")],
          [Rate("project_investment", "rate"), Cap("cap")], {"rate": "0.30", "cap": "200000"}, competitive_limit=15),
    _rule("DE-05", "数据应用创新赛事获奖奖励", DIGITAL, DOC_2025, "一(四)", "QZ-DATA",
          [Fact("award_levels", "获奖级别（可多选）", MULTI, choices=(("national", "国家级"), ("provincial", "省级"),
                                                               ("municipal", "市级"))),
           b("in_use_with_benefits", "项目已投入使用并产生效益")],
          [HighestOf("award_levels", "tiers"), Difference()],
          {"tiers": {"national": "500000", "provincial": "100000", "municipal": "30000"}}, keyed=True),
    _rule("DE-06", "数据产业企业营收首次突破奖励", DIGITAL, DOC_2025, "一(五)", "QZ-DATA",
          [m("revenue", "本年度营业收入（元）"), m("highest_prior_revenue", "以往年度最高营业收入（元）")],
          [FirstCrossing("revenue", "highest_prior_revenue", "thresholds"), Difference()],
          {"thresholds": [["10000000", "100000"], ["50000000", "300000"], ["100000000", "500000"]]}),
    _rule("DE-07", "5G应用示范项目补贴", DIGITAL, DOC_2025, "二(一)", "QZ-DATA",
          [m("it_investment", IT), b("selected", "经竞争性评选入选")],
          [Rate("it_investment", "rate"), Cap("cap")], {"rate": "0.30", "cap": "200000"}),
    _rule("DE-08", "万兆光网技术试点奖励", DIGITAL, DOC_2025, "二(二)", "QZ-DATA",
          [b("national_pilot_shortlisted", "通过工信部评审入围国家级万兆光网试点")],
          [Fixed("amount")], {"amount": "300000"}),
    _rule("DE-09", "算力资源租用补助", DIGITAL, DOC_2025, "三(一)", "QZ-DATA",
          [m("compute_service_invoiced", "算力租用年度服务费（以发票金额为准，元）")],
          [Threshold("compute_service_invoiced", ">", "fee_threshold", "年度服务费须超过{limit}元"),
           Rate("compute_service_invoiced", "rate"), YearCap("annual_cap")],
          {"fee_threshold": "50000", "rate": "0.30", "annual_cap": "300000"},
          note="30万元为单家企业年度市、县两级财政补助累计上限。"),
    _rule("DE-10", "人工智能“揭榜挂帅”项目经费", DIGITAL, DOC_2025, "三(二)", "QZ-KJJ",
          [m("approved_project_funding", "核定的项目经费（元）")],
          [Base("approved_project_funding", "approved funding"), Cap("cap")], {"cap": "2000000"}, funding=CITY_ONLY),
    _rule("DE-11", "人工智能优秀应用场景奖励", DIGITAL, DOC_2025, "三(三)", "QZ-GXJ",
          [b("newly_selected", "新入选市级人工智能优秀应用场景")], [Fixed("amount")], {"amount": "100000"},
          funding=CITY_ONLY),
    _rule("DE-12", "集成电路设计企业流片补助", DIGITAL, DOC_2025, "五(一)", "QZ-KJJ",
          [m("mpw_direct_cost", "MPW 直接费用（元）"), m("engineering_tapeout_fee", "工程流片费用（元）")],
          [Rate("mpw_direct_cost", "mpw_rate"), Rate("engineering_tapeout_fee", "engineering_rate", add=True),
           YearCap("annual_cap")],
          {"mpw_rate": "0.80", "engineering_rate": "0.50", "annual_cap": "2000000"},
          department_text="市科技局、泉州半导体高新区管委会"),
    _rule("DE-13", "集成电路布图设计专有权购买补助", DIGITAL, DOC_2025, "五(二)", "QZ-KJJ",
          [m("layout_design_purchase_cost", "布图设计专有权购买直接费用（元）")],
          [Rate("layout_design_purchase_cost", "rate"), YearCap("annual_cap")],
          {"rate": "0.50", "annual_cap": "2000000"}, department_text="市科技局、泉州半导体高新区管委会"),
    _rule("DE-14", "第三方IC设计平台服务补助", DIGITAL, DOC_2025, "五(二)", "QZ-KJJ",
          [m("ic_platform_service_fee", "第三方IC设计平台服务实际费用（元）")],
          [Rate("ic_platform_service_fee", "rate"), YearCap("annual_cap")],
          {"rate": "0.55", "annual_cap": "1500000"}, department_text="市科技局、泉州半导体高新区管委会"),
    _rule("DE-15", "软件企业CS资质奖励", DIGITAL, DOC_2025, "六(一)", "QZ-GXJ",
          [Fact("cs_level", "信息系统建设和服务能力等级", CHOICE,
                choices=(("CS3", "良好级（CS3）"), ("CS4", "优秀级（CS4）"), ("CS5", "卓越级（CS5）"))),
           b("newly_obtained", "新取得该等级证书")],
          [TierByKey("cs_level", "tiers"), Difference()],
          {"tiers": {"CS3": "200000", "CS4": "1000000", "CS5": "1000000"}}),
    _rule("DE-16", "国际质量和安全认证补助", DIGITAL, DOC_2025, "六(一)", "QZ-GXJ",
          [m("certification_fee", "认证费用（元）")],
          [Rate("certification_fee", "rate"), CumulativeCap("cumulative_cap")],
          {"rate": "0.50", "cumulative_cap": "200000"}),
    _rule("DE-17", "软件产业集聚区奖励", DIGITAL, DOC_2025, "六(二)", "QZ-GXJ",
          [b("selected", "经评选确定为成效显著的软件产业集聚区")], [Fixed("amount")], {"amount": "500000"},
          funding=CITY_ONLY, competitive_limit=3, recipient=PLATFORM_OPERATOR),
    _rule("DE-18", "原创电视动画播出补贴", DIGITAL, DOC_2025, "七(一)", "QZ-GXJ",
          [i("minutes", "首次播出时长（分钟）"),
           Fact("channel", "播出平台", CHOICE, choices=(("national", "国家级电视台"),
                                                    ("provincial", "省级以上（含副省级）动漫频道")))],
          [PerUnitByChoice("minutes", "channel", "rates"), Cap("cap_per_work"), Difference()],
          {"rates": {"national": "2500", "provincial": "1500"}, "cap_per_work": "1000000"}, keyed=True),
    _rule("DE-19", "原创动画电影播出补贴", DIGITAL, DOC_2025, "七(一)", "QZ-GXJ",
          [i("minutes", "首次放映时长（分钟）"),
           Fact("chain", "放映院线", CHOICE, choices=(("national", "全国性院线或央视电影频道"), ("regional", "地区性院线")))],
          [PerUnitByChoice("minutes", "chain", "rates"), Cap("cap_per_work"), Difference()],
          {"rates": {"national": "2500", "regional": "1500"}, "cap_per_work": "500000"}, keyed=True),
    _rule("DE-20", "动漫游戏大型活动补助", DIGITAL, DOC_2025, "七(二)", "QZ-GXJ",
          [m("eligible_expenditure", "活动符合条件的支出（元）"), b("city_government_approved", "经市政府同意")],
          [Base("eligible_expenditure", "eligible expenditure"), Cap("cap")], {"cap": "1000000"},
          funding=CITY_ONLY, recipient=ORGANISER),
    _rule("DE-21", "原创动漫游戏形象授权奖励", DIGITAL, DOC_2025, "七(三)", "QZ-GXJ",
          [m("licensing_revenue", "形象对外版权授权年收入（元）")],
          [Threshold("licensing_revenue", ">=", "min_revenue", "授权年收入须达到{limit}元及以上"), OncePerYear(),
           Rate("licensing_revenue", "rate"), Cap("cap")],
          {"min_revenue": "3000000", "rate": "0.15", "cap": "500000"}, funding=CITY_ONLY),
    _rule("DE-22", "公共服务平台建设补助", DIGITAL, DOC_2025, "八(一)", "QZ-GXJ",
          [m("it_investment", IT)], [Rate("it_investment", "rate"), Cap("cap")], {"rate": "0.30", "cap": "500000"},
          department_text="市工信局、市数据管理局"),
    _rule("DE-23", "园区产业数字平台补贴", DIGITAL, DOC_2025, "八(二)", "QZ-DATA",
          [m("actual_investment", "实际投资（设备购置、软件开发，元）"),
           b("applicant_is_park_committee", "申报主体为开发区（高新区）管委会")],
          [Rate("actual_investment", "rate"), Cap("cap")], {"rate": "0.20", "cap": "1000000"},
          valid_to=D(2026, 12, 31), recipient=PARK, window_source=f"{DOC_2025} 九(一)、八(二)"),
    # ------------------------------------------------------------------ 制造业数字化转型 泉政办规〔2025〕18号 §四
    _rule("MDX-01", "中小企业数字化转型试点企业改造补助", MANUFACTURING, DOC_2025, "四(一)", "QZ-GXJ",
          [m("investment_ex_tax", "数字化改造投入（不含税，元）"), i("digital_level_after", "改造后数字化水平等级"),
           b("newly_listed_pilot", "新列入中小企业数字化转型试点城市的试点企业")],
          [Rate("investment_ex_tax", "rate"), CapByTier("digital_level_after", "caps", "改造后数字化水平须达到二级及以上")],
          {"rate": "0.50", "caps": {"2": "200000", "3": "300000", "4": "500000"}}, valid_to=D(2027, 3, 31),
          window_source=f"{DOC_2025} 九(一)、四(一)"),
    _rule("MDX-02", "工业互联网示范工程补助(2025)", MANUFACTURING, DOC_2025, "四(二)", "QZ-GXJ",
          [m("it_investment", IT)], [Rate("it_investment", "rate"), Cap("cap")], {"rate": "0.10", "cap": "1000000"}),
    _rule("MDX-03", "行业应用工业APP补助", MANUFACTURING, DOC_2025, "四(三)", "QZ-GXJ",
          [m("prev_year_service_expenditure", "上年度实际服务支出（元）")],
          [Rate("prev_year_service_expenditure", "rate"), Cap("cap")], {"rate": "0.30", "cap": "100000"}),
    # ------------------------------------------------------------------ 跨境电商 粤办函〔2021〕328号 九
    _rule("CB-01", "跨境电商企业高管个税差额补贴", CROSS_BORDER, DOC_GD, "九", "QZ-SWJ",
          [m("iit_paid", "在珠三角九市已缴纳的个人所得税（元）"), m("taxable_income", "应纳税所得额（元）")],
          [ExcessOverRate("iit_paid", "taxable_income", "rate")], {"rate": "0.15"},
          valid_from=D(2021, 1, 1), valid_to=None, funding=LOCAL_FULL, recipient=INDIVIDUAL,
          department_text="当地人民政府（本门户由市商务局经办）"),
]

RULES_BY_CODE: dict[str, RuleDef] = {r.code: r for r in RULES}
assert len(RULES_BY_CODE) == 38, len(RULES_BY_CODE)
