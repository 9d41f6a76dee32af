"""Browser journeys (Playwright + system Chromium, 390-px phone viewport) against the live server.

1. Subsidy: register → 试算 → apply with an evidence file → staff return it for correction → applicant corrects →
   staff approve → applicant sees the approved amount and the printable decision.
2. Open data: an enterprise applies for a 授权开放 entry (declaring its eligibility and the time limit) → staff verify
   the eligibility with evidence, assess, confirm; the provider unit consents; the signed agreement is recorded → the
   applicant sees the grant and its restrictions.
Every main page is screenshotted under test-artifacts/site/ and checked for horizontal scrolling.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.models import Enterprise, Organization, OrgKind, OrgLevel
from portal.uscc import make_uscc

from ..conftest import PASSWORD, PDF_BYTES
from .conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)


def _login(page, live_server, username, password=PASSWORD, *, admin=False):
    page.goto(f"{live_server.url}{'/admin/login/' if admin else '/accounts/login/'}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()


def _admin_step(admin, live_server, change_url, action, fields=None):
    """Open an object's admin change page, click a workflow action, fill its form and confirm."""
    admin.goto(live_server.url + change_url)
    admin.get_by_role("link", name=action, exact=True).click()
    for label, value in (fields or {}).items():
        admin.get_by_label(label).fill(value)
    admin.locator("input[type=submit]").click()
    admin.wait_for_load_state()
    assert admin.locator(".errorlist, .messagelist .error").count() == 0, admin.content()[:2000]


def test_subsidy_journey(page, shot, live_server, de09_call, program_officer, media_root, tmp_path):
    from subsidies.models import Application, ApplicationStatus

    # --- home and registration
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("一网通办")
    shot(page, "01-home")
    page.get_by_role("link", name="注册").first.click()
    good = make_uscc("91350582MA2XK0C10")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    page.get_by_label("统一社会信用代码").fill(bad)  # wrong check character first
    page.get_by_label("主体名称").fill("晋江云算科技有限公司")
    page.get_by_label("所在县（市、区）").select_option(label="晋江市人民政府")
    page.get_by_label("联系人").fill("陈经办")
    page.get_by_label("联系电话").fill("0595-85000000")
    page.get_by_label("电子邮箱").fill("chen@example.cn")
    page.get_by_label("登录用户名").fill("yunsuan")
    page.locator("#id_password").fill("Yunsuan-2026-pass")
    page.get_by_label("确认密码").fill("Yunsuan-2026-pass")
    page.get_by_role("button", name="注册").click()
    error = page.locator("#id_uscc_error")
    assert "校验码" in error.inner_text()
    assert page.get_by_label("主体名称").input_value() == "晋江云算科技有限公司"  # input kept
    shot(page, "02-register-error")
    page.get_by_label("统一社会信用代码").fill(good)
    page.locator("#id_password").fill("Yunsuan-2026-pass")
    page.get_by_label("确认密码").fill("Yunsuan-2026-pass")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(live_server.url + "/")
    assert "注册成功" in page.locator(".messages").inner_text()
    assert Enterprise.objects.get(uscc=good).region.code == "C-350582"

    # --- policies and the 试算
    page.get_by_role("link", name="惠企政策").first.click()
    assert page.get_by_role("heading", name="数字经济").is_visible()
    shot(page, "03-policies")
    page.get_by_role("link", name="算力资源租用补助").click()
    page.get_by_label(re.compile("算力租用年度服务费")).fill("800000")
    page.get_by_role("button", name="计算").click()
    assert page.get_by_test_id("calc-amount").inner_text() == "¥240000.00"
    assert "泉政办规〔2025〕18号 三(一)" in page.locator("#calc-result").inner_text()
    shot(page, "04-tryout")

    # --- apply with an evidence file
    page.get_by_role("link", name=re.compile("在线申报：2026年算力券申报")).click()
    page.get_by_label(re.compile("算力租用年度服务费")).fill("800000")
    page.get_by_role("button", name="保存申报草稿").click()
    assert "申报草稿已保存" in page.locator(".messages").inner_text()
    invoice = tmp_path / "算力服务发票.pdf"
    invoice.write_bytes(PDF_BYTES)
    page.get_by_label("材料类型").select_option("invoice")
    page.locator("#id_file").set_input_files(str(invoice))
    page.get_by_role("button", name="上传").click()
    assert page.get_by_role("link", name="算力服务发票.pdf").is_visible()
    page.get_by_role("button", name="提交申报").click()
    assert page.get_by_test_id("app-status").inner_text() == "已提交待受理"
    shot(page, "05-submitted")
    app = Application.objects.get(enterprise__uscc=good)

    # --- staff in the admin (desktop browser context): accept, then return for correction
    staff = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = staff.new_page()
    _login(admin, live_server, program_officer.username, admin=True)
    change_url = f"/admin/subsidies/application/{app.pk}/change/"
    _admin_step(admin, live_server, change_url, "受理")
    _admin_step(admin, live_server, change_url, "退回补正",
                {"补正要求": "发票金额应与合同一致，请按合同金额 700000 元填报。"})
    app.refresh_from_db()
    assert app.status == ApplicationStatus.RETURNED

    # --- applicant answers the correction request
    page.reload()
    assert page.get_by_test_id("app-status").inner_text() == "退回补正"
    assert "按合同金额 700000 元填报" in page.locator("#status-panel").inner_text()
    assert page.locator(".badge").inner_text() == "1"  # in-site notification
    shot(page, "06-returned")
    page.get_by_role("link", name="修改申报内容").click()
    page.get_by_label(re.compile("算力租用年度服务费")).fill("700000")
    page.get_by_role("button", name="保存").click()
    page.get_by_label("补正说明").fill("已按合同金额更正。")
    page.get_by_role("button", name="提交补正").click()
    assert page.get_by_test_id("app-status").inner_text() == "已受理"
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ACCEPTED and str(app.ceiling) == "210000.00"

    # --- staff start the review and approve in the admin; the applicant sees the amount and prints the decision
    _admin_step(admin, live_server, change_url, "开始审核（含专家评审）")
    _admin_step(admin, live_server, change_url, "核定奖补金额", {"核定金额（元）": "210000.00"})
    admin.screenshot(path=str(ARTIFACTS / "admin-approve.png"))
    staff.close()
    page.reload()
    assert page.get_by_test_id("approved-amount").inner_text() == "¥210000.00"
    shot(page, "07-approved")
    page.get_by_role("link", name="查看并打印决定书").click()
    assert page.get_by_test_id("decision-amount").inner_text() == "210000.00"
    shot(page, "08-decision")
    page.get_by_role("link", name="我的申报").first.click()
    shot(page, "09-my-applications")


def test_open_data_journey(page, shot, live_server, make_user, make_unit, applicant):
    from catalogs.models import CatalogEntry, EntryStatus, OpenType
    from portal.roles import Role
    from sharing.models import OpenDataApplication

    source = make_unit("QZ-SCJGJ", "泉州市市场监督管理局")
    CatalogEntry.objects.create(code="QZ-SCJG-0007", title="企业年报公示信息", source_unit=source,
                                        open_type=OpenType.AUTHORIZED, status=EntryStatus.PUBLISHED,
                                        description="企业年度报告中的公示信息。", open_conditions="仅限统计分析")
    tech = make_user("tech_operator", Role.TECH_OPERATOR, make_unit("QZ-TECH", "大数据服务中心"), is_staff=True)
    city = make_user("city_authority", Role.CITY_AUTHORITY, make_unit("QZ-DATA", "市数据管理局"), is_staff=True)
    provider = make_user("scj_admin", Role.UNIT_DATA_ADMIN, source, is_staff=True)
    today = timezone.localdate()

    _login(page, live_server, "acme")
    page.get_by_role("link", name="开放数据").first.click()
    page.get_by_label("关键词").fill("年报")
    page.get_by_role("button", name="检索").click()
    shot(page, "10-open-catalog")
    page.get_by_role("link", name="企业年报公示信息").click()
    shot(page, "11-open-entry")
    page.get_by_role("link", name="申请授权使用").click()
    assert page.get_by_label(re.compile("企业年报公示信息")).is_checked()
    page.get_by_label("使用目的").fill("分析晋江鞋服企业经营趋势")
    page.get_by_label("应用场景").fill("企业内部经营分析报告，不对外提供")
    page.get_by_label(re.compile("否，用于科研")).check()
    page.get_by_label("申请使用截止日").fill(f"{today.year + 1}-06-30")
    declaration = page.get_by_label("申请资格声明")
    assert not declaration.is_checked()  # never ticked for the applicant (QZ §六(四))
    declaration.check()
    page.get_by_role("button", name="提交申请").click()
    status = page.locator("#status-panel").inner_text()
    assert "待数据管理机构核验申请资格" in status
    assert "不具备授权资格" in page.locator("#eligibility").inner_text()
    shot(page, "12-open-submitted")
    app = OpenDataApplication.objects.get()

    # --- staff in the admin (desktop context): verify eligibility, assess, confirm, provider consent, agreement
    staff = page.context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = staff.new_page()
    pdf = {"mimeType": "application/pdf", "buffer": PDF_BYTES}
    steps = [
        (city, "核验申请资格：符合", {"核验意见": "已核验营业执照及股权结构说明：内资控股"},
         {"#id_eligibility_evidence": "营业执照.pdf"}),
        (tech, "评估：需求合理", {"意见或原因": "用途明确，需求合理"}, {}),
        (city, "确认授权（征求数据提供单位同意）", {"意见或原因": "同意授权"}, {}),
        (provider, "数据提供单位同意开放", {"意见或原因": "同意开放"}, {}),
        (tech, "登记已签署协议并开放接口授权",
         {"协议编号": "QZKF-2026-001", "签署日期": today.isoformat(), "签署各方": "申请主体\n市数据管理局"},
         {"#id_agreement_file": "协议.pdf"}),
    ]
    for user, action, fields, uploads in steps:
        _login(admin, live_server, user.username, admin=True)
        admin.goto(f"{live_server.url}/admin/sharing/opendataapplication/{app.pk}/change/")
        admin.get_by_role("link", name=action, exact=True).click()
        for label, value in fields.items():
            admin.get_by_label(label).fill(value)
        for selector, name in uploads.items():
            admin.set_input_files(selector, files=[{"name": name, **pdf}])
        admin.locator("input[type=submit]").click()
        admin.wait_for_load_state()
        assert admin.locator(".errorlist, .messagelist .error").count() == 0, admin.content()[:2000]
        admin.context.clear_cookies()
    staff.close()
    app.refresh_from_db()
    assert app.status == "granted"

    page.reload()
    assert "已授权" in page.locator("#status-panel").inner_text()
    grant = page.locator("section", has=page.get_by_role("heading", name=re.compile("授权许可")))
    assert "不得提供给第三方" in grant.inner_text() and "企业年报公示信息" in grant.inner_text()
    shot(page, "13-open-granted")
    assert get_user_model().objects.filter(username="acme").exists()
    assert Organization.objects.filter(kind=OrgKind.COUNTY_GOVERNMENT, level=OrgLevel.COUNTY).exists()
