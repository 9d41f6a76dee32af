"""Staff pages in Chinese on the seeded demo: history, audit log, calculation trace, sharing action pages, red flags,
collection items, data items, the admin chrome's screen-reader texts, and every time in Asia/Shanghai (issue 10)."""

from __future__ import annotations

import ast
import html
import re
from datetime import UTC
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogs.models import CatalogEntry, CollectionItem, CollectionSubmission, EntryStatus
from portal.audit import action_label, action_labels
from portal.models import AuditLog, Membership
from portal.roles import Role
from procurement.models import RedFlag
from sharing.models import ShareApplication
from sharing.workflow import Status
from subsidies.models import Application, ApplicationStatus

pytestmark = pytest.mark.django_db


def login(client, username: str):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def page(client, url: str) -> tuple[str, str]:
    """(raw HTML, what a person reads: visible text plus alt/title/aria-label/placeholder texts)."""
    response = client.get(url)
    assert response.status_code == 200, url
    raw = response.content.decode()
    body = re.sub(r"(?s)<script.*?</script>|<style.*?</style>", " ", raw)
    labels = " ".join(re.findall(r'(?:alt|title|aria-label|placeholder)="([^"]*)"', body))
    return raw, re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body) + " " + labels))


def shows(text: str, phrase: str) -> bool:
    """``phrase`` is on the page, whatever markup and spacing sits between its words."""
    return re.sub(r"\s+", "", phrase) in re.sub(r"\s+", "", text)


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


# ----------------------------------------------------------------------------------------------- history
def test_history_pages_name_fields_and_labels_not_codes(client, demo):
    login(client, "city_authority")
    app = Application.objects.filter(status=ApplicationStatus.DISBURSED).first()
    _, text = page(client, f"/admin/subsidies/application/{app.pk}/history/")
    assert "变更内容" in text and "修改原因" in text
    assert shows(text, "状态：公示期满待拨付 → 已拨付")
    assert shows(text, "审核意见/理由：无 → ")  # empty before
    for english in ("CHANGES", "Changes", "None", "publicized", "disbursed", "draft"):
        assert english not in text

    drafted = CatalogEntry.history.filter(status=EntryStatus.DRAFT).values("id")
    entry = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED, pk__in=drafted).first()
    _, text = page(client, f"/admin/catalogs/catalogentry/{entry.pk}/history/")
    records = list(entry.history.order_by("history_date"))
    moves = [(a.status, b.status) for a, b in zip(records, records[1:], strict=False) if a.status != b.status]
    assert moves
    for old, new in moves:
        assert shows(text, f"状态：{EntryStatus(old).label} → {EntryStatus(new).label}")
    assert "draft" not in text and "submitted" not in text and "published" not in text

    share = ShareApplication.objects.filter(status=Status.CONFIRMING).first()
    _, text = page(client, f"/admin/sharing/shareapplication/{share.pk}/history/")
    assert shows(text, "状态：技术服务单位需求评估中 → 待数据管理机构确认")  # the workflow's own (non-editable) state

    flag = RedFlag.objects.get(pk=RedFlag.history.filter(history_type="~").first().id)
    _, text = page(client, f"/admin/procurement/redflag/{flag.pk}/history/")
    last_found = flag.history.order_by("-history_date").first().last_found_at
    assert timezone.localtime(last_found).strftime("%Y-%m-%d %H:%M:%S") in text
    assert "+00:00" not in text


def test_every_governed_history_page_is_chinese(client, demo):
    """One object per governed model with a change: its history page has no codes or None."""
    from django.contrib import admin

    from portal.admin_base import GovernedAdmin

    login(client, "admin")
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, GovernedAdmin):
            continue
        record = model.history.filter(history_type="~").first()
        if record is None:
            continue
        _, text = page(client, f"/admin/{model._meta.app_label}/{model._meta.model_name}/{record.id}/history/")
        assert "CHANGES" not in text and "Changes" not in text and " None " not in f" {text} ", model
        checked += 1
    assert checked >= 10



def test_every_history_version_page_is_chinese(client, demo):
    """A history version page (simple-history's form view) of every governed model with history: a Chinese title
    and the app's Chinese name in the breadcrumbs, no "Historical" or English app label."""
    from django.apps import apps
    from django.contrib import admin

    from portal.admin_base import GovernedAdmin

    login(client, "admin")
    seen_apps = set()
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, GovernedAdmin):
            continue
        record = model.history.order_by("-history_date").first()
        if record is None:
            continue
        opts = model._meta
        raw, text = page(client, f"/admin/{opts.app_label}/{opts.model_name}/{record.id}/history/{record.history_id}/")
        title = re.search(r"<title>([^<]*)</title>", raw).group(1)
        assert html.unescape(title).startswith(f"查看历史版本：{record.instance}"), (model, title)
        assert apps.get_app_config(opts.app_label).verbose_name in text, model
        for english in ("Historical", "historical", "History", "Home", opts.app_label.capitalize()):
            assert english not in text, (model, english)
        seen_apps.add(opts.app_label)
    assert seen_apps == {"catalogs", "portal", "procurement", "sharing", "subsidies"}

# ----------------------------------------------------------------------------------------------- audit log
AUDITED_CALLS = {"audit_record", "save_audited"}


def _sources() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return [p for app in ("portal", "catalogs", "sharing", "subsidies", "procurement") for p in (root / app).rglob("*.py")
            if "migrations" not in p.parts]


def _calls(name: str):
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == name:
                yield path, node


def test_every_audit_action_in_the_code_has_a_chinese_label():
    labels = action_labels()
    literal, patterns = set(), []
    for name in AUDITED_CALLS:
        for path, call in _calls(name):
            action = next((k.value for k in call.keywords if k.arg == "action"), None)
            if isinstance(action, ast.JoinedStr):
                patterns.append((path, re.compile("".join(
                    re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in action.values))))
            elif action is not None:
                literal |= {c.value for c in ast.walk(action) if isinstance(c, ast.Constant) and isinstance(c.value, str)}
    assert literal and not (literal - labels.keys()), sorted(literal - labels.keys())
    for path, pattern in patterns:  # every dynamic family has its labels under the same prefix
        assert any(pattern.fullmatch(code) for code in labels), (path, pattern.pattern)

    # the families behind the dynamic codes: each member is named
    from catalogs.workflow import ENTRY
    from sharing.workflow import OPEN_APPLICATION, SHARE_APPLICATION
    from subsidies.audit_actions import CONFIG_ENTITIES

    expected = {f"catalog_entry_{a}" for a in ENTRY.transitions}  # old codes of existing audit rows
    expected |= {f"{wf.name}.{a}" for wf in (SHARE_APPLICATION, OPEN_APPLICATION) for a in wf.transitions}
    expected |= {f"subsidy_{call.args[1].value}" for _, call in _calls("move") if len(call.args) > 1
                 and isinstance(call.args[1], ast.Constant)}
    for path, call in _calls("_change"):
        event = next((k.value.value for k in call.keywords if k.arg == "event" and isinstance(k.value, ast.Constant)),
                     None)
        if event:
            expected.add(f"{'open_grant' if path.name == 'open_grants.py' else 'authorization'}.{event}")
    expected |= {f"subsidies.{entity}.{verb}" for entity in CONFIG_ENTITIES for verb in ("create", "change")}
    assert len(expected) > 40 and not (expected - labels.keys()), sorted(expected - labels.keys())
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels.values())


def test_every_action_in_the_demo_log_is_named(demo):
    codes = set(AuditLog.objects.values_list("action", flat=True))
    assert codes and not (codes - action_labels().keys()), sorted(codes - action_labels().keys())


def test_audit_log_shows_labels_in_column_filter_and_detail(client, demo):
    login(client, "city_authority")
    raw, text = page(client, "/admin/portal/auditlog/")
    assert "共享申请：停止授权" in text  # filter choice of sharing.application.stop
    assert "数据资源目录：审核发布" in text  # filter choice of catalogs.entry.publish
    for code in ("sharing.application.stop", "catalogs.entry.publish", "portal.membership.grant",
                 "catalogs.collection_task.submit"):
        assert code not in text
    assert "?action=sharing.application.stop" in raw  # the stored code is unchanged (only in the filter's link)

    stop = AuditLog.objects.filter(action="sharing.application.stop").first()
    _, text = page(client, f"/admin/portal/auditlog/?action={stop.action}")
    assert "共享申请：停止授权" in text and "sharing.application.stop" not in text

    grant = AuditLog.objects.filter(action="portal.membership.grant").first()
    _, text = page(client, f"/admin/portal/auditlog/{grant.pk}/change/")
    assert "授予单位角色" in text and "portal.membership.grant" not in text
    assert f"{local(grant.at)} " in text  # the record's name (page title) in local time
    if local(grant.at) != utc(grant.at):
        assert f"{utc(grant.at)} " not in text
    assert shows(text, f"角色 {Role(grant.after['role']).label}")  # the snapshot's role code as its label
    assert '"role"' not in text and "city_authority\"" not in text


def test_an_unknown_action_is_not_shown_as_a_bare_code():
    assert action_label("no_such_action") == "其他操作（no_such_action）"


# ------------------------------------------------------------------------------------- subsidies admin page
def test_calculation_trace_and_evidence_in_chinese(client, demo):
    login(client, "city_authority")
    app = Application.objects.filter(status=ApplicationStatus.DISBURSED).first()
    _, text = page(client, f"/admin/subsidies/application/{app.pk}/change/")
    assert "政策适用期核对" in text and "资金分担（市级承担部分）" in text
    assert "发票或费用凭证" in text  # evidence type label of the call
    for english in ("in force", " on 20", "rate × base", "cumulative cap", "funding split", "city:county",
                    "invoice", "True", "False"):
        assert english not in text, english
    capped = Application.objects.exclude(calculation=None).filter(calculation__trace__icontains="cumulative cap").first()
    if capped is not None:
        _, text = page(client, f"/admin/subsidies/application/{capped.pk}/change/")
        assert "累计上限（扣除已获奖补）" in text and "cumulative cap" not in text


def test_decision_page_trace_and_admin_facts_show_no_calculator_english(client, demo):
    """The applicant's decision notice shows the calculation in Chinese only (no raw step text, not even in a title);
    the admin's facts show a choice fact's Chinese label, not its code (e.g. provincial → 省级…)."""
    from subsidies.site_views import decision_trace

    raw_english = re.compile(r"\b(annual|base|cap|city|conditions|difference|force|funding|history|rate|split|"
                             r"threshold|tier|per|unit|provincial|minutes)\b|[a-z]+_[a-z_]+")
    decided = Application.objects.filter(status=ApplicationStatus.DISBURSED).exclude(calculation=None)
    assert decided.exists()
    for app in decided:
        login(client, app.created_by.username)
        _, text = page(client, f"/applications/{app.pk}/decision/")
        assert "测算过程" in text
        for row in decision_trace(app, app.award):
            assert row["caption"] in text
            assert row["step"] not in text
        assert not raw_english.search(text), (app.pk, raw_english.search(text).group(0))

    login(client, "city_authority")
    chosen = Application.objects.filter(facts__channel="provincial").first()
    _, text = page(client, f"/admin/subsidies/application/{chosen.pk}/change/")
    assert "省级以上（含副省级）动漫频道" in text and "provincial" not in text

    _, text = page(client, "/admin/subsidies/evidence/")
    assert "发票或费用凭证" in text and "invoice" not in text
    _, text = page(client, "/admin/subsidies/applicationevent/")
    assert "提交申报" in text and "已提交待受理" in text and "submit" not in text


# --------------------------------------------------------------------------------------- sharing action pages
def test_sharing_action_pages_name_the_actor_in_chinese(client, demo):
    share = ShareApplication.objects.filter(status=Status.CONFIRMING).first()
    login(client, "city_authority")
    _, text = page(client, f"/admin/sharing/shareapplication/{share.pk}/step/confirm/")
    assert shows(text, "办理方：市数据管理机构")
    assert not re.search(r"办理方：\s*[a-z_]+", text)

    assessing = ShareApplication.objects.filter(status=Status.ASSESSING).first()
    login(client, "tech_operator")
    _, text = page(client, f"/admin/sharing/shareapplication/{assessing.pk}/step/assess_reasonable/")
    assert shows(text, "办理方：技术服务单位") and "办理方：tech" not in text


# ----------------------------------------------------------------------------------------------- red flags
def test_red_flags_show_stage_and_details_in_chinese(client, demo):
    login(client, "city_authority")
    flag = RedFlag.objects.filter(rule_code="RF03").first()
    _, text = page(client, f"/admin/procurement/redflag/{flag.pk}/change/")
    assert "投标/开标" in text and "报价（元）" in text
    assert flag.bid.bidder.name in text  # bid ids named by their bidders
    assert '{"' not in text and '"price"' not in text
    assert not re.search(r"触发环节:\s*bid", text)


# ---------------------------------------------------------------------------------------- collection items
def test_collection_items_read_as_text(client, demo):
    snapshot = CollectionItem.objects.filter(first_collection_from="FULL_SNAPSHOT").first()
    renamed = CollectionItem.objects.filter(notes__startswith="附件1名称").first()
    assert renamed is not None and not CollectionItem.objects.filter(notes__contains="annex1").exists()

    login(client, "city_authority")  # may edit: the form
    raw, text = page(client, f"/admin/catalogs/collectionitem/{snapshot.pk}/change/")
    textarea = html.unescape(re.search(r'(?s)<textarea name="fields"[^>]*>(.*?)</textarea>', raw).group(1))
    assert textarea.strip() == "\n".join(snapshot.fields)
    assert 'value="全量存量"' in raw and "FULL_SNAPSHOT" not in raw

    unit_admin = Membership.objects.filter(organization=renamed.unit, role=Role.UNIT_DATA_ADMIN).first().user
    login(client, unit_admin.username)  # may only view: the read-only page
    raw, text = page(client, f"/admin/catalogs/collectionitem/{renamed.pk}/change/")
    assert "、".join(renamed.fields) in text and "附件1名称：" in text
    assert "annex1" not in text and '["' not in text


def test_collection_submission_columns_read_as_text(client, demo):
    sub = CollectionSubmission.objects.exclude(columns=[]).first()
    login(client, "city_authority")
    raw, text = page(client, f"/admin/catalogs/collectionsubmission/{sub.pk}/change/")
    assert "、".join(sub.columns) in text and '["' not in text


def test_editing_a_collection_item_keeps_the_codes(client, demo):
    item = CollectionItem.objects.filter(first_collection_from="FULL_SNAPSHOT").first()
    login(client, "city_authority")
    from catalogs.admin.collection import CollectionItemForm

    form = CollectionItemForm(instance=item)
    data = {**{k: v for k, v in form.initial.items() if v is not None}, "fields": "甲\n乙\n\n丙 ",
            "first_collection_from": "全量存量", "unit": item.unit_id, "entry": item.entry_id or ""}
    bound = CollectionItemForm(data, instance=item)
    assert bound.is_valid(), bound.errors
    assert bound.cleaned_data["fields"] == ["甲", "乙", "丙"]
    assert bound.cleaned_data["first_collection_from"] == "FULL_SNAPSHOT"
    duplicate = CollectionItemForm({**data, "fields": "甲\n甲"}, instance=item)
    assert not duplicate.is_valid() and "字段重复：甲" in str(duplicate.errors)


# ------------------------------------------------------------------------------- published entry's data items
def test_published_entry_data_items_have_chinese_headers(client, demo):
    entry = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED, items__element__isnull=True).first()
    login(client, "city_authority")
    raw, text = page(client, f"/admin/catalogs/catalogentry/{entry.pk}/change/")
    assert "数据元编码" in text and "Element code" not in raw and "ELEMENT CODE" not in text
    assert not re.search(r'class="field-element_code">\s*(<p>)?None', raw)
    assert re.search(r'class="field-element_code">\s*(<p>)?无', raw)


# ---------------------------------------------------------------------------------------------- admin chrome
def test_admin_index_and_chrome_texts_are_chinese(client, demo):
    login(client, "city_authority")
    raw, text = page(client, "/admin/")
    assert "模型名称" in text and "增加链接" in text and "修改或查看列表链接" in text
    assert "跳到主要内容" in text and "切换主题" in text
    for english in ("Model name", "Add link", "Change or view list link", "Skip to main content", "Toggle theme",
                    "Start typing to filter"):
        assert english not in text
    raw, text = page(client, "/admin/catalogs/collectionitem/")
    assert "开始输入以筛选" in text and "切换导航" in text and "Toggle navigation" not in text
    assert 'alt="Search"' not in raw and 'alt="搜索"' in raw
    assert 'alt="True"' not in raw and 'alt="False"' not in raw and 'alt="否"' in raw
    assert "显示计数" in text or "隐藏计数" in text
    catalog = client.get("/admin/jsi18n/").content.decode()
    assert "\\u5168\\u9009%s" in catalog or "全选%s" in catalog  # SelectFilter2's "Choose all %s"


# ---------------------------------------------------------------------------------------------- time zones
def test_times_are_shown_in_asia_shanghai(client, demo):
    assert settings.TIME_ZONE == "Asia/Shanghai"
    submission = CollectionSubmission.objects.select_related("task__item").first()
    login(client, "city_authority")
    _, text = page(client, f"/admin/catalogs/collectiontask/{submission.task_id}/change/")
    assert shows(text, f"{submission.task} @ {local(submission.submitted_at)}")
    assert local(submission.submitted_at) != utc(submission.submitted_at)
    assert f"@ {utc(submission.submitted_at)}" not in text
    assert str(submission) == f"{submission.task} @ {local(submission.submitted_at)}"

    event = Application.objects.filter(status=ApplicationStatus.DISBURSED).first().events.first()
    assert str(event) == f"{local(event.at)} {event.action_label}"
    entry = AuditLog.objects.first()
    assert str(entry).startswith(local(entry.at))
