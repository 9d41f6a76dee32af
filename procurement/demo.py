"""Demo data for 政务信息化项目与采购; called by `seed_demo` after the kernel's demo data (idempotent).

Everything is created through the services (so the audit log and history are real): the 2025 plan, projects at
each stage, a comprehensive-method tender reproducing worked example A, a lowest-price tender reproducing example C,
a failed tender (fewer than 3 bids), an objection, a complaint, a penalty with a bad-conduct record, and red flags
of several kinds.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D
from typing import Any
from zoneinfo import ZoneInfo

from portal.demo import demo_account
from portal.uscc import make_uscc
from procurement.models import AnnualPlan, Tender

TZ = ZoneInfo("Asia/Shanghai")
MARK = "QZ-ZB-2025-001"


def _at(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def seed(ctx: dict[str, Any]) -> None:
    """Seed once; a second run finds the marker tender and does nothing (rule-parameter defaults: always ensured)."""
    from procurement.services.parameters import rule_parameters_seed_defaults

    rule_parameters_seed_defaults()
    if Tender.objects.filter(tender_no=MARK).exists():
        return
    from procurement.services import award as aw
    from procurement.services import evaluation as ev
    from procurement.services import projects as ps
    from procurement.services import remedies as rm
    from procurement.services import tenders as ts

    orgs, users = ctx["orgs"], ctx["users"]
    unit = orgs["QZ-DATA"]
    officer, authority, supervisor = users["procurement_officer"], users["city_authority"], users[
        "procurement_supervisor"]
    plan = AnnualPlan.objects.filter(year=2025).first() or ps.annual_plan_open(year=2025, acting_user=authority)

    def declare(code: str, name: str, amount: str, resources: list[str], day: int) -> Any:
        return ps.project_declare(code=code, name=name, construction_unit=unit, declared_on=date(2024, 6, day),
                                  total_investment=D(amount), plan=plan, data_resources=resources,
                                  has_sharing_analysis=True, acting_user=officer)

    # Projects at each stage of the lifecycle.
    main = declare("QZXM-2025-01", "泉州市政务数据汇聚共享平台升级", "3000000", ["政务数据共享交换日志", "数据目录元数据"], 10)
    second = declare("QZXM-2025-02", "城市运行数据驾驶舱", "4500000", ["城市运行指标数据"], 12)
    third = declare("QZXM-2025-03", "公共数据开放门户改版", "800000", ["开放数据集访问统计"], 14)
    declare("QZXM-2025-04", "政务外网安全监测系统", "1200000", ["安全事件数据"], 18)  # stays at demand stage
    fifth = declare("QZXM-2025-05", "电子证照库扩容", "600000", ["电子证照目录"], 20)  # goes to acceptance
    for project in (main, second, third, fifth):
        ps.project_joint_review_start(project=project, on=date(2024, 7, 1), acting_user=authority)
        ps.project_include_in_plan(project=project, on=date(2024, 7, 5), acting_user=authority,
                                   opinions="集约化建设和数据共享：同意；网络安全：同意；密码应用：同意。")
    ps.annual_plan_draft(plan=plan, on=date(2024, 10, 28), acting_user=authority)
    ps.annual_plan_approve(plan=plan, on=date(2024, 12, 10), acting_user=authority)
    for project, merged in ((main, False), (second, False), (third, True), (fifth, True)):
        project.refresh_from_db()
        if merged:
            ps.project_approve_pd(project=project, approval_no="泉数据〔2025〕3号", on=date(2025, 1, 8),
                                  budget_estimate=project.total_investment, merged=True, merge_reason="simple_small",
                                  acting_user=authority)
            continue
        ps.project_approve_fsr(project=project, approval_no=f"泉发改审〔2025〕{project.pk}号", on=date(2025, 1, 6),
                               acting_user=authority)
        ps.project_submit_pd(project=project, on=date(2025, 1, 13), acting_user=officer)
        ps.project_approve_pd(project=project, approval_no=f"泉数据〔2025〕{project.pk}号", on=date(2025, 2, 7),
                              budget_estimate=project.total_investment, acting_user=authority)

    bidders = [(make_uscc(f"91350500MA2PD{n:04d}"), name) for n, name in enumerate(
        ["泉州数智科技有限公司", "福建闽南信息技术有限公司", "晋江云联软件有限公司", "石狮海丝数据服务有限公司",
         "南安星火网络工程有限公司"], start=1)]
    # experts log in to the admin to enter their own scores (README: evaluator1 … evaluator5, the demo password)
    evaluators = [demo_account(f"evaluator{i}", ctx["password"], reset=ctx["reset"], staff=True,
                               email=f"evaluator{i}@portal.local") for i in range(1, 6)]

    # Tender A: comprehensive method, worked example A (5 bids, one above the control price).
    main.refresh_from_db()
    tender = ts.tender_create(project=main, tender_no=MARK, title="政务数据汇聚共享平台升级项目", bid_deadline=_at(2025, 4, 10),
                              lots=[{"subject": "平台软件开发及集成", "control_price": "1000000", "bid_bond_amount": "10000"}],
                              agent_name="福建省采购招标有限公司", acting_user=officer)
    ts.tender_issue(tender=tender, issued_at=_at(2025, 3, 10), acting_user=officer)
    ts.tender_amend(tender=tender, published_at=_at(2025, 3, 20), summary="澄清：接口规范以附件3为准。",
                    acting_user=officer)
    prices = ["900000", "950000", "880000", "700000", "1050000"]
    lot = tender.lots.get()
    same_fp = {"phase": "upload", "mac": "00-1A-2B-3C-4D-5E", "cpu_serial": "BFEBFBFF000906EA",
               "disk_serial": "WD-WX12A3456789"}
    for i, ((code, name), price) in enumerate(zip(bidders, prices, strict=True)):
        ts.bid_record(lot=lot, bidder_uscc=code, bidder_name=name, submitted_at=_at(2025, 4, 2 + i), acting_user=officer,
                      price_figures=D(price), bond={"amount": D("10000"), "received_at": _at(2025, 4, 2 + i)},
                      fingerprints=[same_fp] if i in (2, 3) else [])  # two bidders share a machine (RF04)
    tender = ts.tender_open(tender=tender, opened_at=_at(2025, 4, 10, 9, 30), acting_user=officer)
    ts.random_draw_record(tender=tender, param="C", value=D("0.50"), drawn_by="招标人代表", acting_user=officer,
                          drawn_at=_at(2025, 4, 10, 9, 45), video_ref="KB-20250410-01")
    ts.random_draw_record(tender=tender, param="K", value=D("0.9325"), drawn_by="招标人代表", acting_user=officer,
                          drawn_at=_at(2025, 4, 10, 9, 46), video_ref="KB-20250410-01")
    members = [ts.committee_member_add(tender=tender, name=f"评标专家{i + 1}", user=user, is_chair=i == 0,
                                       kind="expert" if i < 4 else "tenderer_rep", drawn_at=_at(2025, 4, 10, 10),
                                       acting_user=officer) for i, user in enumerate(evaluators)]
    scores = {0: ([48, 50, 47, 49, 51], [12, 13, 12, 14, 13]), 1: ([50, 51, 50, 51, 51], [13, 13, 13, 14, 13]),
              2: ([46, 47, 46, 46, 47], [11, 12, 12, 11, 12]), 3: ([40, 41, 40, 40, 40], [10, 10, 10, 10, 10])}
    for i, bid in enumerate(lot.bids.order_by("submitted_at")):
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=officer)
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=officer)
        ev.bid_correct_price(bid=bid, acting_user=officer)
        if i in scores:
            for member, t, c in zip(members, *scores[i], strict=True):
                ev.score_record(member=member, bid=bid, part="tech", points=D(t), acting_user=member.user)
                ev.score_record(member=member, bid=bid, part="commercial", points=D(c), acting_user=member.user)
    ev.lot_evaluate(lot=lot, acting_user=officer)
    ev.tender_submit_report(tender=tender, received_on=date(2025, 4, 14), acting_user=officer)
    aw.candidates_publicize(tender=tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18), acting_user=officer)
    objection = rm.objection_receive(tender=tender, stage="evaluation_result", objector_name=bidders[0][1],
                                     objector=lot.bids.get(rank=2).bidder, received_on=date(2025, 4, 16),
                                     facts="认为技术评分中“系统架构”项打分偏低。", acting_user=officer)
    rm.objection_decide(objection=objection, accept=True, on=date(2025, 4, 17), acting_user=officer)
    rm.objection_answer(objection=objection, on=date(2025, 4, 18), acting_user=officer,
                        reply="经评标委员会复核，评分符合评标办法，维持原评审结果。")
    tender = aw.award_determine(tender=tender, on=date(2025, 4, 21), acting_user=officer)
    aw.award_publicize(tender=tender, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 2), acting_user=officer)
    complaint = rm.complaint_file(tender=tender, complainant=lot.bids.get(rank=2).bidder, matter="evaluation_result",
                                  content="对异议答复不服，请求重新评审。", knew_on=date(2025, 4, 18),
                                  filed_on=date(2025, 4, 25), prior_objection=objection, acting_user=supervisor)
    rm.complaint_review(complaint=complaint, accept=True, on=date(2025, 4, 28), acting_user=supervisor)
    rm.complaint_decide(complaint=complaint, decision="经调查，评审程序合法，投诉缺乏事实依据，驳回投诉。",
                        on=date(2025, 5, 9), acting_user=supervisor)
    lot.refresh_from_db()
    contract = aw.contract_sign(lot=lot, contract_no="HT-QZ-2025-001", amount=lot.awarded_bid.evaluated_price,
                                signed_on=date(2025, 5, 12), performance_security_posted_on=date(2025, 5, 12),
                                acting_user=officer)
    aw.contract_publicize(contract=contract, starts_on=date(2025, 5, 13), ends_on=date(2025, 5, 16), acting_user=officer)
    aw.written_report_file(tender=tender, on=date(2025, 5, 6), acting_user=officer)
    colluder = lot.bids.get(bidder__uscc=bidders[3][0]).bidder
    penalty = rm.penalty_decide(decision_no="泉数据罚〔2025〕1号", party=colluder, tender=tender,
                                issuing_authority="泉州市数据管理局", act_description="与其他投标人使用同一台电脑上传投标文件，构成串通投标。",
                                legal_basis="《中华人民共和国招标投标法》第五十三条", fine_amount=D("5000"),
                                decided_on=date(2025, 5, 20), document_text="行政处罚决定书（演示全文）……",
                                acting_user=supervisor)
    rm.bad_conduct_register(subject=colluder, ground="collusion", decision_document_no=penalty.decision_no,
                            description="串通投标（硬件特征码相同）", registered_on=date(2025, 5, 20), tender=tender,
                            penalty=penalty, acting_user=supervisor)
    main.refresh_from_db()
    ps.project_start_construction(project=main, on=date(2025, 5, 15), acting_user=officer)
    ps.performance_report_submit(project=main, year=2025, submitted_on=date(2025, 12, 15), acting_user=officer,
                                 progress="完成平台主体开发，进入试运行。")

    # Tender B: lowest evaluated price method, worked example C; short bid period (RF10).
    second.refresh_from_db()
    tender_b = ts.tender_create(project=second, tender_no="QZ-ZB-2025-002", title="城市运行数据驾驶舱设备采购",
                                bid_deadline=_at(2025, 5, 20), evaluation_method="lowest_price", acting_user=officer,
                                lots=[{"subject": "显示及计算设备", "control_price": "1000000", "bid_bond_amount": "10000"}])
    ts.tender_issue(tender=tender_b, issued_at=_at(2025, 5, 6), acting_user=officer)
    lot_b = tender_b.lots.get()
    specs = [("950000", [("1", "400000", True, False), ("2", "550000", False, False)]),
             ("960000", [("1", "300000", False, True), ("2", "80000", True, False), ("3", "580000", False, False)]),
             ("945000", [("1", "945000", False, False)])]
    for (code, name), (price, lines) in zip(bidders, specs, strict=False):
        ts.bid_record(lot=lot_b, bidder_uscc=code, bidder_name=name, submitted_at=_at(2025, 5, 15), acting_user=officer,
                      price_figures=D(price), bond={"amount": D("10000"), "received_at": _at(2025, 5, 15)},
                      line_items=[{"item_no": n, "unit_price": D(a), "amount": D(a), "is_energy_eco": eco,
                                   "is_small_micro_goods": sme} for n, a, eco, sme in lines])
    ts.tender_open(tender=tender_b, opened_at=_at(2025, 5, 20, 9, 30), acting_user=officer)
    for bid in lot_b.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=officer)
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=officer)
        ev.bid_correct_price(bid=bid, acting_user=officer)
    ev.lot_evaluate(lot=lot_b, acting_user=officer)
    ev.tender_submit_report(tender=tender_b, received_on=date(2025, 5, 22), acting_user=officer)

    # Tender C: only two bids → no opening, re-tender (RF01).
    third.refresh_from_db()
    tender_c = ts.tender_create(project=third, tender_no="QZ-ZB-2025-003", title="公共数据开放门户改版",
                                bid_deadline=_at(2025, 6, 30), acting_user=officer,
                                lots=[{"subject": "门户改版开发", "control_price": "800000"}])
    ts.tender_issue(tender=tender_c, issued_at=_at(2025, 6, 5), acting_user=officer)
    for code, name in bidders[:2]:
        ts.bid_record(lot=tender_c.lots.get(), bidder_uscc=code, bidder_name=name, submitted_at=_at(2025, 6, 20),
                      price_figures=D("790000"), acting_user=officer)  # identical prices (RF03)
    ts.tender_open(tender=tender_c, opened_at=_at(2025, 6, 30, 9, 30), acting_user=officer)

    # Project 5: built and completed; acceptance applied and blocked until its data resource is in the catalog.
    fifth.refresh_from_db()
    ps.project_start_construction(project=fifth, on=date(2025, 3, 1), acting_user=officer)
    ps.project_complete(project=fifth, on=date(2025, 9, 30), acting_user=officer)
    ps.project_record_acceptance_checks(project=fifth, archive_acceptance_passed=True, security_check_passed=True,
                                        crypto_assessment_report="闽密评〔2025〕18号", acting_user=officer)
    ps.project_apply_acceptance(project=fifth, on=date(2025, 11, 3), acting_user=officer)
    from catalogs.models import CatalogEntry, EntryStatus

    entry = CatalogEntry.objects.filter(source_unit=unit, status=EntryStatus.PUBLISHED).first()
    if entry is not None:  # the catalogs demo registered one: link it and accept (otherwise the gate shows)
        ps.project_data_resource_link(resource=fifth.data_resources.get(), catalog_entry=entry, acting_user=officer)
        fifth.refresh_from_db()
        ps.project_accept(project=fifth, on=date(2025, 11, 20), acting_user=authority)
        ps.project_start_operation(project=fifth, on=date(2025, 12, 1), acting_user=officer)

    ps.sharing_failure_record(unit=orgs["QZ-SCJGJ"], source="2024年度政务数据共享考核", found_on=date(2025, 1, 20),
                              reference="泉数据考〔2025〕2号", description="共享申请超期未答复3次，未完成整改。",
                              acting_user=authority)
