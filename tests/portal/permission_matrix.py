"""The permission matrix (issue 15, docs/permissions.md): every role × model × path measured against the running code
over the seeded demo, and the document that states it.

Paths: admin changelist (scope of the rows), change form (change / view / refused, with a record outside the role's
rows that must be refused), add form, each admin action, each API list (read, detail of a listed record, write), each
export, each kind of private file download, each applicant-site page. A cell is what the role gets; ``measure`` probes
through the test client (HTTP, the real middleware, admin and DRF) and the admin hooks (the rows and actions a role is
offered). ``render`` writes docs/permissions.md; ``parse`` reads it back, so the test compares the document cell by
cell with the code (``PORTAL_WRITE_MATRIX=1`` rewrites the document after a deliberate change; review the diff).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse

# One account per role of portal.roles.Role (the README's demo accounts), the superuser and the anonymous visitor.
ROLES: list[tuple[str, str]] = [
    ("anonymous", "未登录"), ("applicant", "申报主体用户"), ("admin", "系统管理员"),
    ("city_authority", "市数据管理机构"), ("county_authority", "县级数据管理机构"),
    ("unit_admin", "单位数据管理员"), ("unit_leader", "单位分管领导"), ("tech_operator", "技术服务单位运维"),
    ("program_officer", "政策业务经办人"), ("finance_officer", "财政人员"), ("procurement_officer", "采购经办人"),
    ("procurement_supervisor", "采购监管人员"), ("auditor", "只读审计人员"),
]
DENIED = {302, 401, 403, 404}
FILE_SAMPLE = 5  # records with a stored file probed per file field


@dataclass
class Table:
    key: str
    title: str
    legend: str
    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # row key -> role -> cell
    labels: dict[str, str] = field(default_factory=dict)  # row key -> Chinese label


@dataclass
class Probe:
    role: str
    client: Client
    user: Any
    leaks: list[str] = field(default_factory=list)

    def status(self, url: str, method: str = "get", **kwargs: Any) -> int:
        return int(getattr(self.client, method)(url, **kwargs).status_code)


def _client(role: str) -> tuple[Client, Any]:
    client = Client()
    if role == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return client, AnonymousUser()
    user = get_user_model().objects.get(username=role)
    client.force_login(user)
    return client, user


def _request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    request.session = {}
    request._messages = None
    return request


def _scope(count: int, total: int) -> str:
    if total == 0:
        return "无数据"
    return "全部" if count == total else ("部分" if count else "无")


def _admin_rows(p: Probe, tables: dict[str, Table], superuser: Any) -> None:
    su_request = _request(superuser)
    request = _request(p.user)
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label):
        opts = model._meta
        key, label = opts.label_lower, str(opts.verbose_name_plural)
        for t in ("changelist", "change", "add", "action"):
            tables[t].labels.setdefault(key, label)
        base = f"admin:{opts.app_label}_{opts.model_name}"
        status = p.status(reverse(f"{base}_changelist"))
        all_pks = list(model_admin.get_queryset(su_request).order_by("pk").values_list("pk", flat=True))
        if status == 200 and p.user.is_authenticated:
            mine = set(model_admin.get_queryset(request).values_list("pk", flat=True))
            tables["changelist"].rows.setdefault(key, {})[p.role] = _scope(len(mine & set(all_pks)), len(all_pks))
        else:
            mine = set()
            tables["changelist"].rows.setdefault(key, {})[p.role] = "×" if status in DENIED else f"HTTP {status}"
        inside = next((pk for pk in all_pks if pk in mine), None)
        outside = next((pk for pk in all_pks if pk not in mine), None)
        cell = "×"
        if inside is not None:
            got = p.status(reverse(f"{base}_change", args=[inside]))
            if got == 200:
                obj = model_admin.get_object(request, str(inside))
                cell = "修改" if model_admin.has_change_permission(request, obj) else "查看"
            elif got not in DENIED:
                cell = f"HTTP {got}"
        elif not all_pks:
            cell = "无数据"
        tables["change"].rows.setdefault(key, {})[p.role] = cell
        if outside is not None:
            got = p.status(reverse(f"{base}_change", args=[outside]))
            if got not in DENIED:
                p.leaks.append(f"{p.role} opened {key} #{outside} outside its rows (HTTP {got})")
        try:
            add_url = reverse(f"{base}_add")
        except NoReverseMatch:
            add_url = ""
        got = p.status(add_url) if add_url else 404
        tables["add"].rows.setdefault(key, {})[p.role] = "✓" if got == 200 else ("×" if got in DENIED else f"HTTP {got}")
        offered = model_admin.get_actions(request) if status == 200 and p.user.is_authenticated else {}
        for name, (_fn, _name, description) in model_admin.get_actions(su_request).items():
            if name == "delete_selected":
                continue
            row = f"{key}:{name}"
            tables["action"].labels.setdefault(row, f"{label} · {description}")
            tables["action"].rows.setdefault(row, {})[p.role] = "✓" if name in offered else "×"


def _api(p: Probe, tables: dict[str, Table]) -> None:
    from tests.crawl.api_walk import api_routes

    for name, pattern in api_routes():
        if not name.endswith("-list") or pattern.pattern.regex.groups:
            continue
        url = reverse(name)
        row = url
        response = p.client.get(url)
        got = response.status_code
        cell = "✓" if got == 200 else ("×" if got in DENIED else f"HTTP {got}")
        tables["api_list"].rows.setdefault(row, {})[p.role] = cell
        detail = "—"
        if got == 200:
            body = response.json()
            items = body.get("results", body) if isinstance(body, dict) else body
            first = items[0] if isinstance(items, list) and items else None
            lookup = next((first[k] for k in ("id", "pk", "code", "uscc") if isinstance(first, dict) and k in first),
                          None)
            if lookup is not None:
                try:
                    detail_url = reverse(name[:-5] + "-detail", args=[lookup])
                except NoReverseMatch:
                    detail_url = ""
                if detail_url:
                    d = p.status(detail_url)
                    detail = "✓" if d == 200 else ("×" if d in DENIED else f"HTTP {d}")
            else:
                detail = "无数据"
        elif got in DENIED:
            detail = "×"
        tables["api_detail"].rows.setdefault(row, {})[p.role] = detail
        with transaction.atomic():  # a write probe must leave nothing behind
            w = p.status(url, "post", data={}, content_type="application/json")
            transaction.set_rollback(True)
        tables["api_write"].rows.setdefault(row, {})[p.role] = (
            "✓" if w in (200, 201, 400) else "只读" if w == 405 else "×" if w in DENIED else f"HTTP {w}")


def _exports() -> list[tuple[str, str, Callable[[], str]]]:
    from sharing.models import Authorization

    def usage(name: str) -> Callable[[], str]:
        return lambda: reverse(name, args=[Authorization.objects.order_by("pk").values_list("pk", flat=True).first()])

    def fixed(name: str) -> Callable[[], str]:
        return lambda: reverse(name)

    return [
        ("catalogs.collectionitem", "采集事项导出", fixed("admin:catalogs_collectionitem_export")),
        ("catalogs.collectiontask", "采集任务导出", fixed("admin:catalogs_collectiontask_export")),
        ("catalogs.catalogentry", "目录导出", fixed("admin:catalogs_catalogentry_export")),
        ("catalogs.datacorrection", "数据纠错导出", fixed("admin:catalogs_datacorrection_export")),
        ("subsidies.application", "申报财务工作簿", fixed("admin:subsidies_application_export")),
        ("subsidies.award", "核定与拨付工作簿", fixed("admin:subsidies_award_export")),
        ("sharing.authorization.admin", "授权使用记录（后台）", usage("admin:sharing_authorization_usage")),
        ("sharing.authorization.api", "授权使用记录（API）", usage("authorization-usage-export")),
        ("procurement.ocds", "OCDS 发布包", fixed("procurement-ocds-release-package")),
    ]


def _export(p: Probe, tables: dict[str, Table]) -> None:
    for key, label, url in _exports():
        tables["export"].labels.setdefault(key, label)
        got = p.status(url())
        tables["export"].rows.setdefault(key, {})[p.role] = (
            "✓" if got == 200 else "×" if got in DENIED else f"HTTP {got}")


def _downloads(p: Probe, tables: dict[str, Table]) -> None:
    from django.apps import apps

    from portal.files import download_url, private_files

    for (app_label, model_name, fname), _spec in sorted(private_files().items()):
        model = apps.get_model(app_label, model_name)
        key = f"{app_label}.{model_name}.{fname}"
        tables["download"].labels.setdefault(
            key, f"{model._meta.verbose_name} · {model._meta.get_field(fname).verbose_name}")
        objs = list(model._base_manager.exclude(**{fname: ""}).order_by("pk")[:FILE_SAMPLE])
        if not objs:
            tables["download"].rows.setdefault(key, {})[p.role] = "无数据"
            continue
        ok = 0
        for obj in objs:
            response = p.client.get(download_url(obj, fname))
            if response.status_code == 200:
                ok += 1
                b"".join(response.streaming_content)  # close the file
            elif response.status_code not in DENIED:
                tables["download"].rows.setdefault(key, {})[p.role] = f"HTTP {response.status_code}"
                break
        else:
            tables["download"].rows.setdefault(key, {})[p.role] = _scope(ok, len(objs)).replace("无", "×")


def _site(p: Probe, tables: dict[str, Table]) -> None:
    from tests.crawl.site_walk import site_seeds

    for url in site_seeds():
        if url.startswith(("/accounts/", "/files/", "/healthz")):
            continue
        response = p.client.get(url)
        got = response.status_code
        login = got == 302 and "login" in response.get("Location", "")
        tables["site"].rows.setdefault(url, {})[p.role] = (
            "✓" if got == 200 else "登录" if login else "仅提交" if got == 405 else "×" if got in DENIED
            else f"HTTP {got}")


TABLES = [
    ("changelist", "管理后台：列表", "全部 = 看到全部记录；部分 = 只看到本单位/本县/本主体及授权的记录；无 = 列表可打开但没有可见记录；"
                                     "× = 不能打开；无数据 = 演示数据中没有该类记录。"),
    ("change", "管理后台：记录页", "修改 / 查看 = 能打开本人可见的记录（并可修改 / 只读）；× = 不能打开。每个角色还用一条列表外的记录验证：必须被拒绝。"),
    ("add", "管理后台：新增", "✓ = 能打开新增页面；× = 不能。"),
    ("action", "管理后台：批量操作", "✓ = 列表中提供该操作（每条记录仍逐条校验权限）；× = 不提供。"),
    ("api_list", "API：列表", "✓ = 200；× = 401/403。"),
    ("api_detail", "API：详情", "✓ = 能打开本人列表中的第一条记录；× = 拒绝；— = 列表不可用；无数据 = 列表为空。"),
    ("api_write", "API：写入（POST 到列表）", "✓ = 接受请求（创建或返回校验错误）；只读 = 405；× = 401/403。"),
    ("export", "导出", "✓ = 可下载；× = 拒绝。"),
    ("download", "文件下载", f"每类文件取前 {FILE_SAMPLE} 个：全部 / 部分 = 能下载全部 / 部分；× = 一个也不能；无数据 = 没有文件。"),
    ("site", "门户网站页面", "✓ = 200；登录 = 转到登录页；仅提交 = 只接受表单提交（POST）；× = 拒绝。"),
]


def measure() -> tuple[dict[str, Table], list[str]]:
    tables = {key: Table(key, title, legend) for key, title, legend in TABLES}
    superuser = get_user_model().objects.get(username="admin")
    leaks: list[str] = []
    for role, _label in ROLES:
        client, user = _client(role)
        p = Probe(role, client, user)
        _admin_rows(p, tables, superuser)
        _api(p, tables)
        _export(p, tables)
        _downloads(p, tables)
        _site(p, tables)
        leaks += p.leaks
    return tables, leaks


def cell_count(tables: dict[str, Table]) -> int:
    return sum(len(cells) for t in tables.values() for cells in t.rows.values())


HEADER = """# 权限矩阵（permission matrix）

本文件逐格写明每个角色在每个模型、每条路径上能做什么：管理后台的列表、记录页、新增、批量操作，API 的列表、详情、写入，
导出，文件下载，门户网站页面。`tests/portal/test_permission_matrix.py` 在演示数据上逐格对照运行中的代码检查
（拒绝也检查）；任何一格与代码不符，测试即失败。有意修改权限时，用 `PORTAL_WRITE_MATRIX=1` 运行该测试重写本文件，
并在评审中核对差异。

角色（列）：{roles}。每个角色用 README 中对应的演示账号。

共 {cells} 格。
"""


def render(tables: dict[str, Table]) -> str:
    roles = "、".join(f"{label}（`{role}`）" for role, label in ROLES)
    out = [HEADER.format(roles=roles, cells=cell_count(tables))]
    head = "| 对象 | " + " | ".join(f"`{r}`" for r, _ in ROLES) + " |"
    sep = "|---" * (len(ROLES) + 1) + "|"
    for key, title, legend in TABLES:
        t = tables[key]
        out += [f"## {title}", "", legend, "", head, sep]
        for row in sorted(t.rows):
            label = t.labels.get(row)
            name = f"{label}<br>`{row}`" if label else f"`{row}`"
            out.append(f"| {name} | " + " | ".join(t.rows[row].get(r, "") for r, _ in ROLES) + " |")
        out.append("")
    return "\n".join(out)


_ROW = re.compile(r"`([^`]+)`\s*\|")


def parse(text: str) -> dict[str, dict[str, dict[str, str]]]:
    """{table key: {row key: {role: cell}}} from docs/permissions.md."""
    titles = {title: key for key, title, _ in TABLES}
    found: dict[str, dict[str, dict[str, str]]] = {}
    current = ""
    roles: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            current = titles.get(line[3:].strip(), "")
            found.setdefault(current, {})
        elif current and line.startswith("| 对象 |"):
            roles = re.findall(r"`([^`]+)`", line)
        elif current and line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            key = re.findall(r"`([^`]+)`", cells[0])[-1]
            found[current][key] = dict(zip(roles, cells[1:], strict=False))
    return found
