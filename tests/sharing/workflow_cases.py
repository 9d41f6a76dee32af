"""Cases for the generated workflow tests of the sharing machines (``tests/portal/test_workflows.py -k sharing``).

Each provider builds, over the seeded demo, a record in a source state of the transition (a new application through
the services, then put into the source state by a test-setup update; the demo's authorizations and grants), a user
the declaration allows, one it refuses, and complete inputs. The day is the portal's local date (or the day after
the end of the period for the expiry), so the due dates the test expects are the ones the kernel sets.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalogs.models import CatalogEntry
from portal.models import Enterprise
from sharing import services
from sharing.models import (
    Authorization,
    AuthorizationStatus,
    InterfaceKind,
    OpenDataApplication,
    OpenDataGrant,
    Route,
    ServiceMode,
    ShareApplication,
    ShareType,
    SourceLocation,
)
from sharing.states import EligibilityStatus
from sharing.workflow import OpenStatus, Status
from tests.workflow_cases import Case, provides


def _user(name: str) -> Any:
    return get_user_model().objects.get(username=name)


def _share_application(demo: Any, *, county: bool = False) -> ShareApplication:
    on = timezone.localdate()
    unit = demo["orgs"]["JJ-finance" if county else "QZ-GXJ"]
    user = _user("jj_finance_admin" if county else "unit_admin")
    entry = CatalogEntry.objects.get(code="GXDEMO-JJTAX-001" if county else "GXDEMO-SCJG-001")
    return services.share_application_create(
        applicant_unit=unit, entries=[entry], data_items=[entry.items.order_by("sort_order").first()],
        acting_user=user, business_matter="【测试】生成的流程测试", application_scenario="窗口受理核验",
        information_system="一体化政务服务平台", purpose="核验申请材料", service_mode=ServiceMode.API,
        interface_kind=InterfaceKind.DATA_QUERY, requested_from_on=on, requested_until_on=on + timedelta(days=365),
        source_location=SourceLocation.COUNTY_SUBCENTER if county else SourceLocation.CITY_PLATFORM)


# transition -> (source state, who acts, who is refused, inputs)
CITY, TECH, APPLICANT = "city_authority", "tech_operator", "unit_admin"
OPINION = {"opinion": "经审查，意见如下（测试）"}
REFUSAL = {"opinion": "超出履职需要（测试）", "policy_basis": "《泉州市政务数据管理规定》第十条"}
SHARE: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "submit": (Status.DRAFT, APPLICANT, "unit_admin_b", {}),
    "withdraw": (Status.ASSESSING, APPLICANT, "unit_admin_b", {"opinion": "业务调整，不再需要"}),
    "county_accept": (Status.COUNTY_REVIEW, "county_authority", CITY, OPINION),
    "county_forward": (Status.COUNTY_FORWARDING, "county_authority", TECH, OPINION),
    "coordinate_approve": (Status.COORDINATING, CITY, TECH, OPINION),
    "coordinate_reject": (Status.COORDINATING, CITY, TECH, REFUSAL),
    "assess_reasonable": (Status.ASSESSING, TECH, CITY, OPINION),
    "assess_unreasonable": (Status.ASSESSING, TECH, CITY, OPINION),
    "negotiate_close": (Status.NEGOTIATING, CITY, TECH, OPINION),
    "joint_approve": (Status.JOINT_REVIEW, CITY, TECH, OPINION),
    "joint_reject": (Status.JOINT_REVIEW, CITY, TECH, REFUSAL),
    "confirm": (Status.CONFIRMING, CITY, TECH, OPINION),
    "adjust": (Status.CONFIRMING, CITY, TECH, {"opinion": "联系电话不予提供（测试）"}),
    "stop": (Status.CONFIRMING, CITY, TECH, REFUSAL),
    "grant": (Status.GRANTING, TECH, CITY, OPINION),
    "model_complete": (Status.MODEL_BUILDING, TECH, CITY, OPINION),
    "agreement_record": (Status.AGREEMENT_SIGNING, TECH, CITY,
                         {"opinion": "三方协议已签署", "agreement_reference": "QZSJ-TEST-001"}),
    "push_configure": (Status.PUSH_CONFIGURING, TECH, CITY, OPINION),
}


@provides("sharing.application")
def share_application_case(name: str, demo: Any) -> Case:
    state, allowed, denied, inputs = SHARE[name]
    county = name.startswith("county_")
    app = _share_application(demo, county=county)
    if state != Status.DRAFT:  # test setup: put the new application into the source state
        route = Route.COUNTY_LOCAL if state == Status.COUNTY_REVIEW else (
            Route.COUNTY_FORWARD if county else Route.CITY)
        ShareApplication.objects.filter(pk=app.pk).update(status=state, share_type=ShareType.UNCONDITIONAL,
                                                          route=route, submitted_at=timezone.now())
        app.refresh_from_db()
    if name == "adjust":
        inputs = {**inputs, "data_items": [str(pk) for pk in app.data_items.values_list("pk", flat=True)],
                  "valid_until_on": app.requested_until_on}
    return Case(obj=app, allowed=_user(allowed), denied=_user(denied), inputs=dict(inputs), on=timezone.localdate())


OPEN: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "submit": (OpenStatus.DRAFT, "applicant", "applicant_b", {}),
    "withdraw": (OpenStatus.ASSESSING, "applicant", "applicant_b", {"opinion": "不再需要"}),
    "verify_eligibility": (OpenStatus.VERIFYING, CITY, TECH, {"opinion": "已核验营业执照和股权结构（测试）"}),
    "refuse_eligibility": (OpenStatus.VERIFYING, CITY, TECH, REFUSAL),
    "assess_reasonable": (OpenStatus.ASSESSING, TECH, CITY, OPINION),
    "assess_unreasonable": (OpenStatus.ASSESSING, TECH, CITY, OPINION),
    "negotiate_close": (OpenStatus.NEGOTIATING, CITY, TECH, OPINION),
    "confirm": (OpenStatus.CONFIRMING, CITY, TECH, {"opinion": "同意授权", "extra_restrictions": "每日调用不超过1000次"}),
    "adjust": (OpenStatus.CONFIRMING, CITY, TECH, {"opinion": "仅授权部分目录", "extra_restrictions": ""}),
    "stop": (OpenStatus.CONFIRMING, CITY, TECH, REFUSAL),
    "provider_consent": (OpenStatus.CONSENTING, "unit_admin_b", CITY, {"opinion": "同意开放（测试）"}),
    "provider_refuse": (OpenStatus.CONSENTING, "unit_admin_b", CITY, {"opinion": "涉及商业秘密（测试）"}),
    "agreement_record": (OpenStatus.AGREEMENT_SIGNING, TECH, CITY,
                         {"agreement_number": "QZKF-TEST-001", "signatories": "申请主体\n市数据管理机构"}),
}
# states past the eligibility verification (QZ §六(四)): the test setup records it as verified
VERIFIED_STATES = {OpenStatus.ASSESSING, OpenStatus.CONFIRMING, OpenStatus.NEGOTIATING, OpenStatus.CONSENTING,
                   OpenStatus.AGREEMENT_SIGNING}


@provides("sharing.open_application")
def open_application_case(name: str, demo: Any) -> Case:
    state, allowed, denied, inputs = OPEN[name]
    on = timezone.localdate()
    enterprise = Enterprise.objects.get(name="福建晋江智造科技有限公司")
    app = services.open_application_create(
        enterprise=enterprise, entries=[CatalogEntry.objects.get(code="GXDEMO-SCJG-001")],
        purpose="【测试】产业链分析", scenario="供应商筛选", is_commercial=True, acting_user=_user("applicant"),
        requested_until_on=on + timedelta(days=365), declares_eligibility=True)
    if state != OpenStatus.DRAFT:
        extra: dict[str, Any] = {}
        if state in VERIFIED_STATES:
            extra = {"eligibility_status": EligibilityStatus.VERIFIED, "granted_until_on": app.requested_until_on}
        OpenDataApplication.objects.filter(pk=app.pk).update(status=state, submitted_at=timezone.now(), **extra)
        app.refresh_from_db()
    inputs = dict(inputs)
    if name == "adjust":
        inputs["entries"] = [str(pk) for pk in app.entries.values_list("pk", flat=True)]
    if name == "verify_eligibility":
        inputs["eligibility_evidence"] = SimpleUploadedFile("营业执照.pdf", b"%PDF-1.4 licence")
    if name == "agreement_record":
        inputs.update(signed_on=on, agreement_file=SimpleUploadedFile("协议.pdf", b"%PDF-1.4 agreement"))
    return Case(obj=app, allowed=_user(allowed), denied=_user(denied), inputs=inputs, on=on)


A = AuthorizationStatus
SUSPEND = {"misuse_kind": "over_scope", "reason": "超范围使用（测试）"}
GRANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "suspend": (A.ACTIVE, SUSPEND),
    "resume": (A.SUSPENDED, {"reason": "已整改（测试）"}),
    "revoke": (A.ACTIVE, {"misuse_kind": "illegal_use", "reason": "违法使用（测试）"}),
    "renew": (A.ACTIVE, {"reason": "继续使用（测试）"}),
    "expire": (A.ACTIVE, {}),
    "catalog_suspend": (A.ACTIVE, {"reason": "目录“测试”第2版改为暂不共享（测试）"}),
}


def _grant_case(model: Any, name: str) -> Case:
    state, inputs = GRANTS[name]
    on = timezone.localdate()
    obj = model.objects.filter(valid_until_on__gte=on).order_by("pk").first()  # the demo's, valid for a year
    model.objects.filter(pk=obj.pk).update(status=state)  # test setup: the source state
    obj.refresh_from_db()
    if name == "renew":
        inputs = {**inputs, "valid_until_on": max(on, obj.valid_until_on) + timedelta(days=365)}
    if name == "expire":
        return Case(obj=obj, allowed=None, denied=_user(CITY), inputs={}, on=obj.valid_until_on + timedelta(days=1))
    if name == "catalog_suspend":  # run by the system when the entry is published or retired (docs/adr/0205)
        return Case(obj=obj, allowed=None, denied=_user(CITY), inputs=dict(inputs), on=on)
    return Case(obj=obj, allowed=_user(CITY), denied=_user(TECH), inputs=dict(inputs), on=on)


@provides("sharing.authorization")
def authorization_case(name: str, demo: Any) -> Case:
    return _grant_case(Authorization, name)


@provides("sharing.open_grant")
def open_grant_case(name: str, demo: Any) -> Case:
    return _grant_case(OpenDataGrant, name)
