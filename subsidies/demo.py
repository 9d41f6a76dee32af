"""Demo data for 惠企政策奖补; called by `seed_demo` after the kernel's demo data (idempotent).

Open calls for several rules of each family (dates relative to today, so they are open whenever the demo is
seeded), applications in every state built through the real services, and a nearly exhausted 算力 pool.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import Enterprise
from subsidies import services
from subsidies.models import Application, BudgetPool, Call, PoolLevel, Rule

PDF = b"%PDF-1.4\n% demo evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVIDENCE = [{"kind": "invoice", "label": "发票或费用凭证", "required": True},
            {"kind": "certificate", "label": "资质、获奖或入选证明", "required": False},
            {"kind": "other", "label": "其他材料", "required": False}]
COUNTY_CODES = ["C-350502", "C-350503", "C-350504", "C-350505", "C-350581", "C-350582", "C-350583", "C-350521",
                "C-350524", "C-350525", "C-350526", "C-QZKFQ", "C-QZTSQ"]
# code, name, rules, responsible unit, city pool, per-county pool (None: city-only rules)
CALLS = [
    ("DEMO-DE-DATA", "数字经济·数据要素类奖补", ["DE-01", "DE-03", "DE-05", "DE-09"], "QZ-DATA", "8000000", "2000000"),
    ("DEMO-DE-SOFT", "数字经济·软件与动漫类奖补", ["DE-11", "DE-15", "DE-16", "DE-17", "DE-18"], "QZ-GXJ",
     "10000000", "2000000"),
    ("DEMO-PE", "平台经济“五十百千”奖补", ["PE-05", "PE-09", "PE-11"], "QZ-GXJ", "6000000", None),
    ("DEMO-MDX", "制造业数字化转型（智改数转）补助", ["MDX-01", "MDX-02", "MDX-03"], "QZ-GXJ", "6000000", "1500000"),
    ("DEMO-CB", "跨境电商高管个税差额补贴", ["CB-01"], "QZ-SWJ", "1000000", None),
    ("DEMO-DE09-POOL", "算力券专项（市级资金即将用完）", ["DE-09"], "QZ-DATA", "95000", "150000"),
]


def _call(orgs: dict[str, Any], code: str, name: str, rules: list[str], unit: str, city: str,
          county: str | None) -> Call:
    today = timezone.localdate()
    call, _ = Call.objects.update_or_create(code=code, defaults={
        "name": name, "year": today.year, "opens_on": today - dt.timedelta(days=30),
        "closes_on": today + dt.timedelta(days=60), "evidence_requirements": EVIDENCE, "publicity_workdays": 5,
        "responsible_unit": orgs[unit], "description": "演示批次：指标文号等为示例数据。"})
    call.rules.set(Rule.objects.filter(code__in=rules))
    BudgetPool.objects.get_or_create(call=call, level=PoolLevel.CITY, defaults={
        "amount": Decimal(city), "budget_unit": orgs[unit], "budget_doc_number": f"泉财指〔{today.year}〕演示{code[-2:]}号",
        "budget_summary": f"{name}市级资金", "parent_budget_doc_number": f"闽财指〔{today.year}〕演示号"})
    if county is not None:
        for ccode in COUNTY_CODES:
            if ccode in orgs:
                BudgetPool.objects.get_or_create(call=call, level=PoolLevel.COUNTY, county=orgs[ccode], defaults={
                    "amount": Decimal(county), "budget_unit": orgs[ccode],
                    "budget_doc_number": f"县财指〔{today.year}〕演示号", "budget_summary": f"{name}县级配套"})
    return call


def _walk(app: Application, steps: list[tuple[str, dict[str, Any]]], actors: dict[str, Any]) -> Application:
    """Drive one application through the workflow with the real services."""
    for step, extra in steps:
        if step == "publicity_close":  # demo shortcut: pretend the publicity days have passed
            Application.objects.filter(pk=app.pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=1))
            services.application_publicity_close(application=app, acting_user=actors["reviewer"])
        elif step == "disburse":
            services.application_disburse(application=app, acting_user=actors["finance"],
                                          payment_reference=f"GK{timezone.localdate():%Y}-{app.pk:06d}",
                                          paid_on=timezone.localdate())
        elif step in ("withdraw", "resubmit"):
            getattr(services, f"application_{step}")(application=app, acting_user=actors["applicant"], **extra)
        elif step == "score":
            services.application_score(application=app, acting_user=actors["reviewer"], **extra)
        else:
            getattr(services, f"application_{step}")(application=app, acting_user=actors["reviewer"], **extra)
        app.refresh_from_db()
    return app


def seed(ctx: dict[str, Any]) -> None:
    orgs, users = ctx["orgs"], ctx["users"]
    services.rules_sync(acting_user=users.get("admin"))  # binds rules to the demo units
    calls = {code: _call(orgs, code, name, rules, unit, city, county)
             for code, name, rules, unit, city, county in CALLS}
    if not Application.objects.filter(call__in=calls.values()).exists():  # applications not seeded yet
        _applications(ctx, calls)
    _matching(ctx)


def _applications(ctx: dict[str, Any], calls: dict[str, Call]) -> None:
    orgs, users = ctx["orgs"], ctx["users"]
    ent = {name: Enterprise.objects.filter(members__user=users[name]).first()
           for name in ("applicant", "applicant_b", "applicant_univ", "applicant_foreign")}
    data_rev, gxj_rev, swj_rev = users["city_authority"], users["program_officer"], users["admin"]
    finance = users["finance_officer"]
    del orgs

    def apply(call: str, who: str, code: str, facts: dict[str, Any], steps: list[Any], reviewer: Any) -> Application:
        user = users[who]
        app = services.application_create(call=calls[call], enterprise=ent[who], rule_code=code, facts=facts,
                                          acting_user=user)
        services.evidence_add(application=app, uploaded_file=SimpleUploadedFile("费用发票.pdf", PDF), kind="invoice",
                              acting_user=user)
        if steps and steps[0] != "draft":
            services.application_submit(application=app, acting_user=user)
        actors = {"reviewer": reviewer, "finance": finance, "applicant": user}
        return _walk(app, [s if isinstance(s, tuple) else (s, {}) for s in steps if s not in ("draft", "submit")],
                     actors)

    flow = ["submit", "accept", "review_start"]

    def approved(amount: str) -> tuple[str, dict[str, Any]]:
        return ("approve", {"amount": amount, "note": "经审核，按测算上限核定"})

    # 数字经济·数据要素 (reviewed by 市数据管理局)
    apply("DEMO-DE-DATA", "applicant", "DE-03", {"dcmm_level": 4, "first_pass_at_level": True},
          [*flow, approved("100000"), "publicity_start", "publicity_close", "disburse"], data_rev)  # 已拨付
    apply("DEMO-DE-DATA", "applicant_b", "DE-09", {"compute_service_invoiced": "420000"},
          [*flow, approved("126000"), "publicity_start"], data_rev)  # 公示中
    apply("DEMO-DE-DATA", "applicant_univ", "DE-05",
          {"award_levels": ["provincial", "municipal"], "in_use_with_benefits": True, "key": "数据应用大赛-智慧校园"},
          ["submit"], data_rev)  # 已提交待受理
    apply("DEMO-DE-DATA", "applicant", "DE-01", {"project_investment": "6000000", "selected": False},
          [*flow, ("score", {"score": "86.5", "comment": "数据集质量高，已上架开发服务平台"})], data_rev)  # 审核中
    # 数字经济·软件与动漫 (市工信局)
    apply("DEMO-DE-SOFT", "applicant_foreign", "DE-16", {"certification_fee": "180000"},
          [*flow, ("reject", {"reason": "认证证书签发日期早于政策施行日，不属于新通过的认证。"})], gxj_rev)  # 不予支持
    apply("DEMO-DE-SOFT", "applicant_b", "DE-15", {"cs_level": "CS3", "newly_obtained": True},
          ["submit", "accept", ("return_for_correction", {"reason": "请补充 CS3 证书扫描件。"})], gxj_rev)  # 退回补正
    apply("DEMO-DE-SOFT", "applicant", "DE-18", {"minutes": 120, "channel": "provincial", "key": "国产动画片许可证-2026-001"},
          [*flow, approved("180000")], gxj_rev)  # 已核定
    apply("DEMO-DE-SOFT", "applicant_b", "DE-11", {"newly_selected": True}, ["draft"], gxj_rev)  # 草稿
    # 平台经济 (市工信局)
    apply("DEMO-PE", "applicant", "PE-09", {"annual_cloud_service_fee": "260000"},
          [*flow, approved("78000"), "publicity_start", "publicity_close"], gxj_rev)  # 公示期满待拨付
    apply("DEMO-PE", "applicant_b", "PE-11", {"newly_connected_enterprises": 35}, ["submit", "accept"], gxj_rev)  # 已受理
    apply("DEMO-PE", "applicant_univ", "PE-05", {"it_investment": "900000"},
          ["submit", ("withdraw", {"reason": "项目调整，暂不申报。"})], gxj_rev)  # 已撤回
    # 制造业数字化转型 (市工信局)
    apply("DEMO-MDX", "applicant", "MDX-01",
          {"investment_ex_tax": "800000", "digital_level_after": 3, "newly_listed_pilot": True},
          [*flow, approved("300000"), ("cancel", {"reason": "公示期间核实试点名单批次不符，撤销核定。"})], gxj_rev)  # 已撤销
    apply("DEMO-MDX", "applicant_b", "MDX-03", {"prev_year_service_expenditure": "150000"}, ["submit"], gxj_rev)
    # 跨境电商 (市商务局; the demo has no 商务局 officer, the administrator reviews)
    apply("DEMO-CB", "applicant_b", "CB-01", {"iit_paid": "380000", "taxable_income": "1500000"},
          ["submit", "accept"], swj_rev)
    # 算力券专项: one approval leaves 5,000 of 95,000 in the city pool; the second one (city share 7,500) won't fit
    apply("DEMO-DE09-POOL", "applicant", "DE-09", {"compute_service_invoiced": "600000"},
          [*flow, approved("180000")], data_rev)
    apply("DEMO-DE09-POOL", "applicant_foreign", "DE-09", {"compute_service_invoiced": "50000.01"},
          [*flow], data_rev)
    _manual_awards(calls["DEMO-PE"], ent, users)


def _manual_awards(call: Call, ent: dict[str, Any], users: dict[str, Any]) -> None:
    """一事一议 (平台经济“五十百千”行动实施方案 三(四)1) in the 平台经济 city pool, entered by the 市工信局 program
    officer, approved by its 分管领导: one paid, one approved (资金已预留), one waiting for approval."""
    pool = call.pools.get(level=PoolLevel.CITY)
    year = timezone.localdate().year
    officer, leader, finance = users["program_officer"], users["unit_leader"], users["finance_officer"]
    for n, (who, subject, amount, steps) in enumerate([
        ("applicant", "重点平台“鞋服产业互联网平台”落地奖励", "500000", ["approve", "disburse"]),
        ("applicant_b", "跨境电商综合服务平台场地租金补助", "200000", ["approve"]),
        ("applicant_univ", "工业互联网标识解析创新中心设备投入补助", "150000", []),
    ], start=1):
        award = services.manual_award_create(
            enterprise=ent[who], pool=pool, amount=amount, subject=subject,
            decision_number=f"泉工信纪〔{year}〕演示{n}号", decided_on=timezone.localdate() - dt.timedelta(days=10),
            decision_document=SimpleUploadedFile(f"一事一议会议纪要{n}.pdf", PDF), approver=leader,
            acting_user=officer)
        if "approve" in steps:
            award = services.manual_award_approve(award=award, acting_user=leader, note="经研究同意，按会议纪要执行。")
        if "disburse" in steps:
            services.manual_award_disburse(award=award, acting_user=finance, payment_reference=f"GK{year}-YS{n:04d}",
                                           paid_on=timezone.localdate())


# 免申即享: two collection items of city departments whose submissions carry rule facts, their fact sources, three
# enterprises that only appear in the departments' data (no portal account), then one matching run. The hand check
# of what it proposes is in tests/subsidies/test_matching.py (test_demo_matching_proposes_exactly_the_hand_check).
MATCH_ENTERPRISES = [  # USCC body (17), name, county
    ("91350503MA8YF0N1" + "3", "泉州云帆软件有限公司", "350503"),
    ("91350582MA8HD7T2" + "4", "晋江恒达鞋业有限公司", "350582"),
    ("91350583MA8NA5T3" + "5", "南安石材数字科技有限公司", "350583"),
]
CLOUD_FIELDS = ["统一社会信用代码", "企业名称", "年度上云服务费（元）", "算力租用服务费（元）"]
DCMM_FIELDS = ["统一社会信用代码", "企业名称", "DCMM评估等级", "是否首次通过该等级"]


def _fact_item(ctx: dict[str, Any], *, code: str, unit: str, title: str, fields: list[str]) -> Any:
    from catalogs.models import CatalogEntry, CollectionItem
    from catalogs.services import entry_create, entry_transition

    orgs, admin = ctx["orgs"], ctx["users"]["admin"]
    entry = CatalogEntry.objects.filter(code=code).first()
    if entry is None:
        entry = entry_create(source_unit=orgs[unit], code=code, title=title, acting_user=admin,
                             items=[{"name": f, "description": f"{title}的“{f}”"} for f in fields],
                             description=f"{title}（演示：免申即享的事实来源）", share_type="conditional",
                             share_conditions="仅限惠企政策奖补测算与推送使用",
                             legal_basis="《优化营商环境条例》第四十四条（惠企政策免申即享）", open_type="closed",
                             update_frequency="yearly", aggregation_mode="manual_upload")
        entry = entry_transition(entry=entry, action="submit", acting_user=admin)
        entry = entry_transition(entry=entry, action="publish", acting_user=admin)
    item, _ = CollectionItem.objects.update_or_create(code=code, defaults={
        "unit": orgs[unit], "entry": entry, "name": title, "fields": fields, "frequency": "yearly",
        "deadline_rule": "YEARLY_BY_MAR_END_PREV_YEAR", "notes": "演示：免申即享事实来源"})
    return item


def _matching(ctx: dict[str, Any]) -> None:
    from catalogs.services import collection_submit
    from catalogs.services.collection import period_containing, task_for
    from portal.models import ApplicantKind
    from portal.uscc import make_uscc
    from subsidies.models import FactSource
    from subsidies.services.facts import fact_source_save
    from subsidies.services.matching import matching_run

    orgs, users = ctx["orgs"], ctx["users"]
    if FactSource.objects.exists():
        return
    admin, authority = users["admin"], users["city_authority"]
    for body, name, county in MATCH_ENTERPRISES:
        Enterprise.objects.get_or_create(uscc=make_uscc(body), defaults={
            "name": name, "kind": ApplicantKind.ENTERPRISE, "region": orgs[f"C-{county}"],
            "is_domestic_controlled": True, "is_small_micro": True})
    ent = {e.name: e.uscc for e in Enterprise.objects.all()}
    cloud = _fact_item(ctx, code="QZ-GXJ-MSJX-01", unit="QZ-GXJ", title="企业上云及算力租用服务费用",
                       fields=CLOUD_FIELDS)
    dcmm = _fact_item(ctx, code="QZ-DATA-MSJX-01", unit="QZ-DATA", title="DCMM贯标评估结果名单", fields=DCMM_FIELDS)
    year = timezone.localdate().year - 1
    for fact, item, column, unit in [
        ("annual_cloud_service_fee", cloud, "年度上云服务费（元）", "QZ-GXJ"),
        ("compute_service_invoiced", cloud, "算力租用服务费（元）", "QZ-GXJ"),
        ("dcmm_level", dcmm, "DCMM评估等级", "QZ-DATA"),
        ("first_pass_at_level", dcmm, "是否首次通过该等级", "QZ-DATA"),
    ]:
        fact_source_save(source=FactSource(
            fact=fact, data_item=item.entry.items.get(name=column), collection_item=item, value_column=column,
            vouching_unit=orgs[unit], note="演示：部门按年度报送，按统一社会信用代码逐行读取。"), acting_user=authority)
    rows = {
        cloud: [["福建晋江智造科技有限公司", "260000", "600000"], ["泉州丰泽跨境电商有限公司", "40000", "1000000"],
                ["泉州云帆软件有限公司", "200000", "300000"], ["晋江恒达鞋业有限公司", "500000", ""]],
        dcmm: [["福建晋江智造科技有限公司", "4", "是"], ["泉州云帆软件有限公司", "3", "是"],
               ["泉州外资数据服务有限公司", "5", "是"], ["南安石材数字科技有限公司", "3", ""]],
    }
    for item, data in rows.items():
        task = task_for(item, period_containing("yearly", dt.date(year, 7, 1)), on=dt.date(year + 1, 1, 2))
        lines = [[ent[name], name, *values] for name, *values in data]
        lines.append(["91350500MA00000000", "（未在本门户登记的企业）", "1", "1"])  # unknown USCC: counted, skipped
        collection_submit(task=task, acting_user=admin, columns=item.fields, rows=lines,
                          on=min(timezone.localdate(), dt.date(year + 1, 3, 20)))
    matching_run()
