"""Demo data for 数据共享与开放: applications in every state across the three service modes and share types, the
authorizations they produced (one suspended, one revoked), usage records and open-data applications.

Idempotent: each demo application is recognised by its business matter (prefixed 【演示】) and created once.
Uses published catalog entries with the demo codes below; creates them (in the catalogs tables, codes ``GXDEMO-*``)
when the catalogs demo did not provide any, so this seed also works on its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from catalogs.models import CatalogEntry, CatalogLevel, DataItem, EntryStatus, OpenType, ServiceInterface, ShareType
from catalogs.models import InterfaceKind as CatalogInterfaceKind
from portal.demo import demo_account
from portal.models import Enterprise
from portal.roles import Role
from portal.services import membership_grant
from sharing import services
from sharing.models import (
    DataUseRecord,
    InterfaceKind,
    MisuseKind,
    OpenDataApplication,
    RequestKind,
    ServiceMode,
    ShareApplication,
    SourceLocation,
)
from sharing.workflow import today

DEMO_PDF = b"%%PDF-1.4\n%% demo %s\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n"  # a real (tiny) PDF

PREFIX = "【演示】"
ENTRIES = [  # code, title, source unit code, share type, level, open type, items
    ("GXDEMO-SCJG-001", "企业登记信息", "QZ-SCJGJ", ShareType.UNCONDITIONAL, CatalogLevel.CITY, OpenType.AUTHORIZED,
     ["企业名称", "统一社会信用代码", "法定代表人", "注册地址"]),
    ("GXDEMO-SCJG-002", "个体工商户基本信息", "QZ-SCJGJ", ShareType.CONDITIONAL, CatalogLevel.CITY, OpenType.CLOSED,
     ["名称", "经营者姓名", "联系电话", "经营范围"]),
    ("GXDEMO-RSJ-001", "企业社保缴纳信息", "QZ-RSJ", ShareType.NOT_SHARED, CatalogLevel.CITY, OpenType.CLOSED,
     ["企业名称", "险种类别", "参保职工人数"]),
    ("GXDEMO-JJTAX-001", "晋江市税务登记信息", "JJ-tax", ShareType.CONDITIONAL, CatalogLevel.COUNTY,
     OpenType.CLOSED, ["纳税人识别号", "纳税人名称", "纳税人状态"]),
]


def _entries(orgs: dict[str, Any]) -> dict[str, CatalogEntry]:
    found: dict[str, CatalogEntry] = {}
    for code, title, unit, share, level, open_type, items in ENTRIES:
        entry, _ = CatalogEntry.objects.get_or_create(code=code, defaults={
            "title": title, "source_unit": orgs[unit], "share_type": share, "level": level, "open_type": open_type,
            "status": EntryStatus.PUBLISHED, "legal_basis": "《泉州市政务数据管理规定》（泉政办〔2021〕21号）",
            "description": "共享演示目录"})
        for i, name in enumerate(items):
            DataItem.objects.get_or_create(entry=entry, name=name, defaults={"sort_order": i,
                                                                             "is_personal_info": "电话" in name})
        if share == ShareType.NOT_SHARED:  # 可用不可见 (QZ §五(四)): the producer hangs a verification interface
            ServiceInterface.objects.get_or_create(entry=entry, name=f"{title}核查接口", defaults={
                "kind": CatalogInterfaceKind.VERIFY, "endpoint": f"https://dsj.quanzhou.gov.cn/api/verify/{code}",
                "spec": "仅返回是/否，不返回明细", "call_instructions": "经数据管理机构会同数据生产单位同意后调用"})
        found[code] = entry
    return found


def seed(ctx: dict[str, Any]) -> None:
    orgs, users = ctx["orgs"], ctx["users"]
    entries = _entries(orgs)
    on = today()
    ent = entries["GXDEMO-SCJG-001"]
    cond = entries["GXDEMO-SCJG-002"]
    secret = entries["GXDEMO-RSJ-001"]
    county_entry = entries["GXDEMO-JJTAX-001"]
    gxj, jj_fin = orgs["QZ-GXJ"], orgs["JJ-finance"]
    applicant, county_applicant = users["unit_admin"], users["jj_finance_admin"]
    tech, authority, county = users["tech_operator"], users["city_authority"], users["county_authority"]
    producer = users["unit_admin_b"]
    gaj_admin = _special_agency_user(ctx)

    def app(label: str, entry_list: list[Any], mode: str, *, unit: Any = gxj, user: Any = applicant,
            **extra: Any) -> ShareApplication | None:
        matter = f"{PREFIX}{label}"
        if ShareApplication.objects.filter(business_matter=matter).exists():
            return None
        fields = {"business_matter": matter, "application_scenario": "政务服务窗口受理时核验企业信息，减少材料提交",
                  "information_system": "泉州市一体化政务服务平台", "purpose": "核验申请材料真实性",
                  "legal_basis": "《优化营商环境条例》", "service_mode": mode, "requested_from_on": on,
                  "requested_until_on": on + timedelta(days=365),
                  "interface_kind": InterfaceKind.DATA_QUERY if mode == ServiceMode.API else ""}
        if mode == ServiceMode.BULK_EXCHANGE:
            fields.update(bulk_justification="每日需对全市企业做批量比对，接口调用无法满足", system_mlps_level="第三级")
        if mode == ServiceMode.CROSS_VERIFICATION:
            from django.core.files.base import ContentFile

            fields.update(requirements_doc=ContentFile(DEMO_PDF % b"requirements", name="需求说明.pdf"),
                          technical_plan=ContentFile(DEMO_PDF % b"plan", name="技术方案.pdf"))
        fields.update(extra)
        items = [e.items.order_by("sort_order").first() for e in entry_list]
        return services.share_application_create(applicant_unit=unit, entries=entry_list, data_items=items,
                                                 acting_user=user, **fields)

    def run(application: ShareApplication | None, steps: list[tuple[Any, ...]]) -> ShareApplication | None:
        if application is None:
            return None
        for action, user, *rest in steps:
            kwargs = rest[0] if rest else {}
            if action == "opinion":
                services.producer_opinion_give(application=application, producer_unit=kwargs["unit"],
                                               agrees=kwargs.get("agrees", True), opinion="同意按最少够用原则共享",
                                               acting_user=user)
                continue
            application = services.share_application_act(application=application, action=action, acting_user=user,
                                                          **kwargs)
        return application

    scj = orgs["QZ-SCJGJ"]
    ok = {"opinion": "评估合理"}
    submit = ("submit", applicant)
    run(app("草稿：接口查询企业登记信息", [ent], ServiceMode.API), [])
    run(app("评估中：接口查询企业登记信息", [ent], ServiceMode.API), [submit])
    run(app("会商中：接口查询个体户信息", [cond], ServiceMode.API), [submit, ("assess_reasonable", tech, ok)])
    run(app("待确认：接口查询企业登记信息", [ent], ServiceMode.API), [submit, ("assess_reasonable", tech, ok)])
    run(app("待开通：接口查询企业登记信息", [ent], ServiceMode.API),
        [submit, ("assess_reasonable", tech, ok), ("confirm", authority)])
    granted_api = run(app("已授权：接口查询企业登记信息", [ent], ServiceMode.API),
                      [submit, ("assess_reasonable", tech, ok), ("confirm", authority), ("grant", tech)])
    run(app("协商中：申请范围过大", [ent], ServiceMode.API),
        [submit, ("assess_unreasonable", tech, {"opinion": "申请信息项超出业务需要"})])
    run(app("已关闭待重新申请", [ent], ServiceMode.API),
        [submit, ("assess_unreasonable", tech, {"opinion": "场景不清"}),
         ("negotiate_close", authority, {"opinion": "已协商，补充场景后重新申请"})])
    run(app("已停止授权：接收系统未测评", [ent], ServiceMode.API),
        [submit, ("assess_reasonable", tech, ok),
         ("stop", authority, {"opinion": "接收系统未通过等保测评", "policy_basis": "QZ §八(一)"})])
    run(app("已撤回", [ent], ServiceMode.API), [submit, ("withdraw", applicant, {"opinion": "业务调整"})])
    run(app("交叉核验模型制作中：社保核验", [secret], ServiceMode.CROSS_VERIFICATION),
        [submit, ("assess_reasonable", tech, ok), ("opinion", users["admin"], {"unit": orgs["QZ-RSJ"]}),
         ("joint_approve", authority), ("confirm", authority), ("grant", tech)])
    run(app("已授权：社保核查接口（可用不可见）", [secret], ServiceMode.API, interface_kind=InterfaceKind.VERIFY),
        [submit, ("assess_reasonable", tech, ok), ("opinion", users["admin"], {"unit": orgs["QZ-RSJ"]}),
         ("joint_approve", authority), ("confirm", authority), ("grant", tech)])
    run(app("推送配置中：企业登记批量交换", [ent], ServiceMode.BULK_EXCHANGE), [submit])
    bulk = run(app("已授权：企业登记批量交换（已报备）", [ent], ServiceMode.BULK_EXCHANGE),
               [submit, ("push_configure", tech)])
    run(app("会商中（5个工作日）：个体户批量交换", [cond], ServiceMode.BULK_EXCHANGE), [submit])
    run(app("待签协议：个体户批量交换", [cond], ServiceMode.BULK_EXCHANGE),
        [submit, ("opinion", producer, {"unit": scj}), ("joint_approve", authority)])
    run(app("已授权：个体户批量交换", [cond], ServiceMode.BULK_EXCHANGE),
        [submit, ("opinion", producer, {"unit": scj}), ("joint_approve", authority),
         ("agreement_record", tech, {"opinion": "已签署", "agreement_reference": "QZSJ-DEMO-001"}),
         ("push_configure", tech)])
    run(app("不予共享：个体户批量交换", [cond], ServiceMode.BULK_EXCHANGE),
        [submit, ("joint_reject", authority, {"opinion": "超出履职需要",
                                              "policy_basis": "《个人信息保护法》第十三条"})])
    csub = ("submit", county_applicant)
    # county-local data (QZ-A2 §4): the city's steps, the county's data authority reviewing, filed with the city
    local = {"unit": jj_fin, "user": county_applicant, "source_location": SourceLocation.COUNTY_SUBCENTER}
    jj_tax = {"unit": orgs["JJ-tax"]}
    run(app("县级路线评估中：晋江税务登记", [county_entry], ServiceMode.API, **local), [csub])
    run(app("县级路线已授权并报市备案：晋江税务登记", [county_entry], ServiceMode.API, **local),
        [csub, ("assess_reasonable", tech, ok), ("opinion", users["admin"], jj_tax), ("joint_approve", county),
         ("confirm", county), ("grant", tech)])
    run(app("县级路线会商中（5个工作日）：晋江税务登记批量交换", [county_entry], ServiceMode.BULK_EXCHANGE, **local),
        [csub])
    run(app("县级路线待签协议：晋江税务登记批量交换", [county_entry], ServiceMode.BULK_EXCHANGE, **local),
        [csub, ("opinion", users["admin"], jj_tax), ("joint_approve", county)])
    run(app("待县级统一向市级申请：省级回流数据", [county_entry], ServiceMode.API, unit=jj_fin, user=county_applicant,
            source_location=SourceLocation.PROVINCIAL_BACKFLOW), [csub])
    run(app("县级已转市级：企业登记信息", [ent], ServiceMode.API, unit=jj_fin, user=county_applicant),
        [csub, ("county_forward", county)])
    if gaj_admin is not None:
        run(app("特殊机关：案件协查数据需求", [cond], ServiceMode.API, unit=orgs["QZ-GAJ"], user=gaj_admin,
                kind=RequestKind.SPECIAL_AGENCY), [("submit", gaj_admin)])
    _authorizations(granted_api, bulk, applicant, authority, on)
    _open_data(ctx, ent, tech, authority)


def _special_agency_user(ctx: dict[str, Any]) -> Any:
    user = demo_account("gaj_admin", ctx["password"], reset=ctx["reset"], staff=True, email="gaj_admin@portal.local")
    membership_grant(user=user, organization=ctx["orgs"]["QZ-GAJ"], role=Role.UNIT_DATA_ADMIN,
                     acting_user=ctx["users"]["admin"])
    return user


def _authorizations(granted_api: Any, bulk: Any, applicant: Any, authority: Any, on: Any) -> None:
    if granted_api is None or bulk is None:
        return
    api_auth = granted_api.authorizations.first()
    services.usage_records_push(records=[{
        "authorization": api_auth.number, "purpose": f"受理企业开办第{i + 1}件", "user_name": "窗口经办人",
        "approver_name": "科室负责人", "data_content": "企业名称、统一社会信用代码",
        "acquired_at": api_auth.created_at.isoformat(), "acquisition_method": "api_call", "media_type": "online",
        "external_id": f"DEMO-{api_auth.number}-{i}"} for i in range(5)], acting_user=applicant)
    bulk_auth = bulk.authorizations.first()
    services.authorization_suspend(authorization=bulk_auth, misuse_kind=MisuseKind.OVER_SCOPE,
                                   reason="推送数据被用于非申请场景（演示）", acting_user=authority)
    # a use reported after the suspension: recorded as a violation and shown to the authority (docs/adr/0205)
    services.usage_records_push(records=[{
        "authorization": bulk_auth.number, "purpose": "暂停后仍读取推送库做企业名录比对", "user_name": "系统运维人员",
        "approver_name": "科室负责人", "data_content": "企业名称、统一社会信用代码",
        "acquired_at": timezone.now().isoformat(), "acquisition_method": "bulk_push", "media_type": "database",
        "external_id": f"DEMO-{bulk_auth.number}-V"}], acting_user=applicant)
    assert DataUseRecord.objects.filter(authorization=api_auth).count() >= 5


def _open_data(ctx: dict[str, Any], entry: Any, tech: Any, authority: Any) -> None:
    """Open-data applications at each step: eligibility verified with evidence (or refused), assessed, confirmed
    (one with a shortened term), provider consent, signed agreement, grant (one suspended)."""
    if OpenDataApplication.objects.filter(purpose__startswith=PREFIX).exists():
        return
    from django.core.files.base import ContentFile

    by_name = {e.name: e for e in Enterprise.objects.all()}
    users = ctx["users"]
    on = today()
    provider = users["unit_admin_b"]  # 市场监管局 data admin: the provider of GXDEMO-SCJG-001
    full = ["verify", "assess_reasonable", "confirm", "provider_consent", "agreement_record"]
    specs = [("applicant", "福建晋江智造科技有限公司", True, full),
             ("applicant_univ", "泉州信息工程学院", False, ["verify", "assess_reasonable", "confirm"]),
             ("applicant_b", "泉州丰泽跨境电商有限公司", True, []),
             ("applicant_foreign", "泉州外资数据服务有限公司", True, ["refuse"]),
             ("applicant", "福建晋江智造科技有限公司", True, [*full, "suspend"])]
    for i, (username, name, commercial, steps) in enumerate(specs):
        enterprise = by_name.get(name)
        if enterprise is None or username not in users:
            continue
        application = services.open_application_create(
            enterprise=enterprise, entries=[entry], purpose=f"{PREFIX}产业链上下游分析",
            scenario="为本企业供应商筛选提供企业登记核验", is_commercial=commercial, acting_user=users[username],
            requested_until_on=on + timedelta(days=365), declares_eligibility=True)
        application = services.open_application_submit(application=application, acting_user=users[username])
        for action in steps:
            if action == "suspend":  # a grant suspended by the authority (演示)
                services.open_grant_suspend(grant=application.grant, misuse_kind=MisuseKind.OVER_SCOPE,
                                            reason="发现数据被提供给合作方（演示）", acting_user=authority)
                continue
            kwargs: dict[str, Any] = {}
            if action == "verify":
                action, actor = "verify_eligibility", authority
                kwargs = {"opinion": "已核验营业执照和股权结构说明，内资控股（演示）",
                          "eligibility_evidence": ContentFile(DEMO_PDF % b"evidence", name="营业执照及股权结构.pdf")}
            elif action == "refuse":
                action, actor = "refuse_eligibility", authority
                kwargs = {"opinion": "股权结构说明显示外资持股超过50%，不属于内资控股法人企业（演示）",
                          "policy_basis": "《泉州市政务数据管理规定》六(四)"}
            elif action.startswith("assess"):
                actor, kwargs = tech, {"opinion": "需求合理"}
            elif action == "confirm":
                actor, kwargs = authority, {"extra_restrictions": "每日调用不超过 1000 次"}
                if i == 0:  # the authority shortens the term, with its reason
                    kwargs.update(valid_until_on=on + timedelta(days=180),
                                  opinion="首次授权，先授权半年，到期评估使用情况后可重新申请")
            elif action == "provider_consent":
                actor, kwargs = provider, {"opinion": "同意按授权范围开放"}
            else:  # agreement_record
                actor = tech
                kwargs = {"agreement_number": f"QZKF-DEMO-{i + 1:03d}", "signed_on": on,
                          "signatories": f"{name}\n泉州市大数据管理局\n技术服务单位",
                          "agreement_file": ContentFile(DEMO_PDF % b"agreement", name="数据使用和安全保障协议.pdf")}
            application = services.open_application_act(application=application, action=action, acting_user=actor,
                                                        **kwargs)
