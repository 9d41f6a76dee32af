"""Demo data for 政务数据资源目录; called by `seed_demo` after the kernel's demo data (idempotent).

The 54 Jinjiang collection items (晋政办〔2023〕13号 annex 2, copied to catalogs/data/) become catalog entries and
collection items of their units; a few Quanzhou city base resources; tasks in every status; corrections and an
interface request. Everything is written through the services, acting as the demo superuser.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from catalogs.models import (
    CatalogEntry,
    Classification,
    CollectionItem,
    DataCorrection,
    Grade,
    InterfaceKind,
    InterfaceRequest,
    TaskStatus,
)
from catalogs.services import (
    collection_submit,
    collection_tasks_mark_overdue,
    correction_decide,
    correction_dispatch,
    correction_report,
    desensitisation_record,
    entry_create,
    entry_transition,
    entry_update,
    interface_request_create,
    interface_request_deliver,
)
from catalogs.services.collection import (
    RULE_CADENCE,
    initial_task_for,
    period_containing,
    reporting_units,
    task_for,
)
from portal.demo import _org, demo_account
from portal.models import OrgKind, OrgLevel
from portal.roles import Role
from portal.services import membership_grant

CSV_PATH = Path(__file__).parent / "data" / "jinjiang_collection.csv"
PERSONAL_FIELDS = {"联系电话", "联系人", "法人代表", "法定代表人姓名", "收款人账号", "银行账号", "权利人", "义务人",
                   "受让方联系电话", "联系方式", "负责人", "项目联系人和联系电话", "原权利人", "收款人"}
CONFLICT_NOTE = ("附件1（报送时限：每月15日前）与附件2（更新频率：{freq}）不一致（规格说明 §7.3）。"
                 "已提请领导小组办公室确认；确认前按更严格的附件1时限按月生成采集任务。")

BASE_RESOURCES = [  # code, title, unit, base category, items [(name, element code, personal)], open type, keywords
    ("QZ-JC-RK-001", "人口基础信息", "QZ-GAJ", "population",
     [("公民身份号码", "DE-PERSON-ID", True), ("姓名", "DE-PERSON-NAME", True), ("户籍地址", "", True)],
     "closed", "人口,户籍"),
    ("QZ-JC-FR-001", "法人单位基础信息", "QZ-SCJGJ", "legal_entity",
     [("统一社会信用代码", "DE-USCC", False), ("单位名称", "DE-ORG-NAME", False), ("登记状态", "", False),
      ("住所", "", False)], "open", "法人,企业登记"),
    ("QZ-JC-ZZ-001", "电子证照目录信息", "QZ-DATA", "e_license",
     [("证照类型", "DE-LICENSE-TYPE", False), ("证照编号", "DE-LICENSE-NO", False), ("持证主体", "", False)],
     "closed", "电子证照"),
    ("QZ-JC-XY-001", "企业公共信用评价结果", "QZ-FGW", "credit",
     [("统一社会信用代码", "", False), ("信用等级", "DE-CREDIT-GRADE", False), ("评价日期", "", False)],
     "open", "信用,评价"),
    ("QZ-JC-ZY-001", "国土空间规划用途分区", "QZ-ZRZYJ", "natural_resource_geo",
     [("分区编码", "DE-ZONE-CODE", False), ("分区名称", "", False), ("面积", "", False)], "open", "国土空间,规划"),
]
DESC = "{title}：由{unit}依法履职产生并负责维护，是泉州市政务数据资源目录中的一项数据资源，包含{n}个信息项，按{freq}更新。"


def _entry(ctx: dict[str, Any], *, code: str, unit: Any, title: str, items: list[dict[str, Any]],
           publish: bool, desensitise: dict[str, tuple[str, str]] | None = None, **fields: Any) -> CatalogEntry:
    """Create (and publish) an entry once; ``desensitise`` = {personal item name: (method, note)} recorded before
    submission (an open entry with personal items needs them, GD 第三十二条)."""
    admin = ctx["users"]["admin"]
    existing = CatalogEntry.objects.filter(code=code).first()
    if existing is not None:
        return existing
    open_type = fields.pop("open_type", "closed")
    entry = entry_create(source_unit=unit, code=code, title=title, acting_user=admin, items=items,
                         open_type="closed" if desensitise else open_type, **fields)
    for name, (method, note) in (desensitise or {}).items():
        desensitisation_record(item=entry.items.get(name=name), method=method, performed_on=date(2026, 1, 12),
                               note=note, acting_user=admin)
    if desensitise:
        entry = entry_update(entry=entry, acting_user=admin, open_type=open_type)
    if publish:
        entry = entry_transition(entry=entry, action="submit", acting_user=admin)
        entry = entry_transition(entry=entry, action="publish", acting_user=admin)
    return entry


def seed_reference() -> tuple[Classification, dict[str, Grade]]:
    root, _ = Classification.objects.get_or_create(code="ZW", defaults={"name": "政务数据"})
    for code, name in [("ZW-JJ", "经济运行"), ("ZW-SC", "市场监管"), ("ZW-ZY", "自然资源"), ("ZW-CZ", "财政税收")]:
        Classification.objects.get_or_create(code=code, defaults={"name": name, "parent": root})
    grades = {}
    for rank, (code, name) in enumerate([("L1", "一般数据"), ("L2", "重要数据"), ("L3", "敏感数据")], start=1):
        grades[code], _ = Grade.objects.get_or_create(code=code, defaults={"name": name, "rank": rank})
    return root, grades


def seed_jinjiang(ctx: dict[str, Any], grades: dict[str, Grade]) -> list[CollectionItem]:
    orgs = ctx["orgs"]
    items = []
    with CSV_PATH.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            unit = orgs[f"JJ-{row['dept_code']}"]
            code = f"JJ-{row['dept_code']}-{int(row['seq']):02d}"
            fields = [f for f in row["fields"].split("|") if f]
            personal = [f for f in fields if f in PERSONAL_FIELDS]
            freq_map = {"monthly": "monthly", "quarterly": "quarterly", "yearly": "yearly"}
            entry = _entry(
                ctx, code=code, unit=unit, title=row["item_name"], publish=True,
                description=DESC.format(title=row["item_name"], unit=unit.name, n=len(fields),
                                        freq=row["frequency_cn"]),
                items=[{"name": f, "description": f"{row['item_name']}的“{f}”", "is_personal_info": f in personal}
                       for f in fields],
                share_type="conditional" if personal else "unconditional",
                legal_basis="《中华人民共和国个人信息保护法》第十三条、第三十四条（限于履行法定职责所必需）" if personal else "",
                share_conditions="仅限履行产业经济运行监测职责的单位使用" if personal else "",
                open_type="closed", update_frequency=freq_map[row["frequency"]], aggregation_mode="manual_upload",
                grade=grades["L2" if personal else "L1"], keywords="晋江,产业信息," + row["dept_name"])
            conflict = "CONFLICT" in row["notes"]
            item, _ = CollectionItem.objects.update_or_create(code=code, defaults={
                "unit": unit, "entry": entry, "seq": int(row["seq"]), "name": row["item_name"], "fields": fields,
                "is_fields_open_ended": row["fields_open_ended"] == "True", "frequency": row["frequency"],
                "deadline_rule": row["deadline_rule"], "payload_kind": row["payload_kind"],
                "initial_basis": row["initial_basis"], "first_collection_label": row["first_collection_cn"],
                "first_collection_from": row["first_collection_from"],
                "first_collection_to": row["first_collection_to"], "has_frequency_conflict": conflict,
                "conflict_note": CONFLICT_NOTE.format(freq=row["frequency_cn"]) if conflict else "",
                "source_clause": row["annex1_clause"], "notes": row["notes_zh"]})
            items.append(item)
    return items


# 晋江市 6 街道 13 镇: each submits the “各镇（街道）” items itself, with its own liaison (JJ seed 004 §十六 “各镇人民政府、
# 街道办事处”; docs/adr/0102).
JINJIANG_TOWNS = (
    ("qingyang", "青阳街道"), ("meiling", "梅岭街道"), ("xiyuan", "西园街道"), ("luoshan", "罗山街道"),
    ("lingyuan", "灵源街道"), ("xintang", "新塘街道"), ("anhai", "安海镇"), ("cizao", "磁灶镇"), ("chendai", "陈埭镇"),
    ("chidian", "池店镇"), ("dongshi", "东石镇"), ("jinjing", "金井镇"), ("longhu", "龙湖镇"), ("neikeng", "内坑镇"),
    ("shenhu", "深沪镇"), ("xibin", "西滨镇"), ("yinglin", "英林镇"), ("yonghe", "永和镇"), ("zimao", "紫帽镇"),
)


def seed_towns(ctx: dict[str, Any], items: list[CollectionItem]) -> None:
    """The towns and streets of Jinjiang as organisations under “晋江市各镇（街道）”, a liaison (data administrator,
    ``jj_town1`` … ``jj_town19``) each, and the towns' items submitted by every one of them."""
    orgs, users = ctx["orgs"], ctx["users"]
    parent = orgs["JJ-towns_streets"]
    towns = []
    for i, (code, name) in enumerate(JINJIANG_TOWNS, start=1):
        town = orgs[f"JJ-town-{code}"] = _org(f"JJ-town-{code}", f"晋江市{name}", OrgKind.TOWN_STREET, OrgLevel.TOWN,
                                              "350582", parent, i)
        liaison = demo_account(f"jj_town{i}", ctx["password"], reset=ctx["reset"], staff=True,
                               email=f"jj_town{i}@portal.local", first_name=f"{name}联络员")
        if not liaison.memberships.filter(organization=town, retired_at__isnull=True).exists():
            membership_grant(user=liaison, organization=town, role=Role.UNIT_DATA_ADMIN, acting_user=users["admin"])
        towns.append(town)
    for item in items:
        if item.unit_id == parent.pk:
            item.reporting_units.set(towns)


def seed_base_resources(ctx: dict[str, Any], root: Classification, grades: dict[str, Grade]) -> None:
    orgs = ctx["orgs"]
    for code, title, unit_code, category, item_specs, open_type, keywords in BASE_RESOURCES:
        unit = orgs[unit_code]
        personal = any(p for _, _, p in item_specs)
        _entry(ctx, code=code, unit=unit, title=title, publish=True, base_category=category,
               description=DESC.format(title=title, unit=unit.name, n=len(item_specs), freq="实时"),
               items=[{"name": n, "element_code": e, "description": f"{title}的“{n}”", "is_personal_info": p}
                      for n, e, p in item_specs],
               open_type="closed" if personal else open_type, has_personal_info=personal,
               update_frequency="realtime", classification=root, grade=grades["L3" if personal else "L1"],
               keywords=keywords,
               interfaces=[{"name": f"{title}核验接口", "kind": "verify", "endpoint": f"https://dsj.quanzhou.gov.cn/api/{code}",
                            "spec": "OpenAPI 3.0，HTTPS，JSON", "call_instructions": "经授权后以应用令牌调用，按一事一查原则"}])
    _entry(ctx, code="QZ-GXJ-2026-001", unit=orgs["QZ-GXJ"], title="规模以上工业企业名录", publish=True,
           description="泉州市规模以上工业企业名录，含企业名称、所属行业、所在县区，按年更新，普遍开放供社会查询使用。",
           items=[{"name": "企业名称", "description": "工商登记名称"}, {"name": "所属行业", "description": "国民经济行业分类"},
                  {"name": "所在县区", "description": "行政区划"}],
           open_type="open", update_frequency="yearly", keywords="工业,企业名录", classification=root,
           grade=grades["L1"])
    _entry(ctx, code="QZ-SCJGJ-2026-009", unit=orgs["QZ-SCJGJ"], title="市场主体监管内部线索", publish=True,
           description="市场监管执法过程中形成的内部线索材料，涉及执法秘密，暂不共享，仅提供核查接口（可用不可见）。",
           items=[{"name": "线索编号", "description": "内部编号"}, {"name": "涉及主体", "description": "统一社会信用代码"}],
           share_type="not_shared", legal_basis="《市场监督管理行政处罚程序规定》第九条（执法信息保密）",
           open_type="closed", update_frequency="on_change", grade=grades["L3"],
           interfaces=[{"name": "线索核查接口", "kind": "verify", "endpoint": "https://dsj.quanzhou.gov.cn/api/verify/scjg",
                        "spec": "仅返回是/否", "call_instructions": "经数据管理机构同意后调用"}])
    _entry(ctx, code="QZ-SWJ-2026-003", unit=orgs["QZ-SWJ"], title="跨境电商企业备案信息", publish=True,
           description="泉州市跨境电商企业备案信息，含企业名称、备案类型、备案日期，授权开放给内资控股企业、高校和科研院所。",
           items=[{"name": "企业名称", "description": "备案企业名称"}, {"name": "备案类型", "description": "类型"},
                  {"name": "备案日期", "data_type": "date", "description": "日期"}],
           share_type="conditional", legal_basis="《福建省大数据发展条例》第十五条", open_type="authorized",
           update_frequency="monthly", keywords="跨境电商,备案")
    # 授权开放 with a personal item: opened after its recorded desensitisation (GD 第三十二条; 福建省大数据发展条例 第三十二条)
    _entry(ctx, code="QZ-SWJ-2026-004", unit=orgs["QZ-SWJ"], title="跨境电商企业联系人信息（脱敏）", publish=True,
           description="跨境电商备案企业的联系人信息，联系电话已做部分屏蔽处理，授权开放给内资控股企业、高校和科研院所用于产业研究。",
           items=[{"name": "企业名称", "description": "备案企业名称"},
                  {"name": "联系电话", "is_personal_info": True, "description": "联系人手机号（中间四位以*代替）"}],
           share_type="conditional", legal_basis="《福建省大数据发展条例》第十五条", open_type="authorized",
           update_frequency="monthly", keywords="跨境电商,联系人", grade=grades["L2"],
           desensitise={"联系电话": ("mask", "手机号中间四位以*代替；抽检100条无完整号码")})
    _second_version(ctx, "QZ-GXJ-2026-001", description="泉州市规模以上工业企业名录，含企业名称、所属行业、所在县区和营业收入区间，"
                    "按年更新，普遍开放供社会查询使用。",
                    items=[{"name": "企业名称", "description": "工商登记名称"}, {"name": "所属行业", "description": "国民经济行业分类"},
                           {"name": "所在县区", "description": "行政区划"},
                           {"name": "营业收入区间", "description": "上年度营业收入所在区间（亿元）"}])
    _entry(ctx, code="QZ-GXJ-2026-002", unit=orgs["QZ-GXJ"], title="数字经济重点项目库（草稿）", publish=False,
           description="编制中的数字经济重点项目库。", items=[{"name": "项目名称"}], open_type="closed")


def _second_version(ctx: dict[str, Any], code: str, **changes: Any) -> None:
    """Revise and republish a demo entry once (version 2), so the public change log has something to show."""
    admin = ctx["users"]["admin"]
    entry = CatalogEntry.objects.filter(code=code, version=1).first()
    if entry is None:
        return
    entry = entry_transition(entry=entry, action="revise", acting_user=admin)
    entry = entry_update(entry=entry, acting_user=admin, **changes)
    entry = entry_transition(entry=entry, action="submit", acting_user=admin)
    entry_transition(entry=entry, action="publish", acting_user=admin)


def seed_tasks(ctx: dict[str, Any], items: list[CollectionItem]) -> None:
    """Tasks in every status: 2026-09 submitted on time, 2026-10 mixed (on time / late / overdue), 2026-11 pending."""
    admin = ctx["users"]["admin"]
    monthly = [(i, u) for i in items if RULE_CADENCE[i.deadline_rule] == "monthly" for u in reporting_units(i)]
    # January 2026's data was due 15 Feb 2026, in the Spring Festival holiday: rolled to 24 Feb, submitted that day
    for item, unit in monthly[:3]:
        jan = task_for(item, period_containing("monthly", date(2026, 1, 1)), on=date(2026, 2, 1), unit=unit)
        if not jan.submissions.exists():
            collection_submit(task=jan, acting_user=admin, columns=item.fields, rows=[["示例"] * len(item.fields)],
                              on=date(2026, 2, 24))
    for n, (item, unit) in enumerate(monthly):
        sep = task_for(item, period_containing("monthly", date(2026, 9, 1)), on=date(2026, 10, 1), unit=unit)
        octo = task_for(item, period_containing("monthly", date(2026, 10, 1)), on=date(2026, 11, 1), unit=unit)
        task_for(item, period_containing("monthly", date(2026, 11, 1)), on=date(2026, 12, 1),
                 unit=unit)  # pending (due 15 Dec)
        rows = [["示例"] * len(item.fields)]
        if not sep.submissions.exists():
            collection_submit(task=sep, acting_user=admin, columns=item.fields, rows=rows, on=date(2026, 10, 12))
        if not octo.submissions.exists() and octo.status == TaskStatus.PENDING:
            if n % 3 == 0:
                collection_submit(task=octo, acting_user=admin, columns=item.fields, rows=rows, on=date(2026, 11, 13))
            elif n % 3 == 1:
                collection_submit(task=octo, acting_user=admin, columns=item.fields, rows=rows, on=date(2026, 11, 18))
            else:  # left overdue; one rejected attempt with a missing column
                collection_submit(task=octo, acting_user=admin, columns=item.fields[:-1] or ["无关列"],
                                  rows=[["示例"] * max(1, len(item.fields) - 1)], on=date(2026, 11, 14))
    for item in items:
        if RULE_CADENCE[item.deadline_rule] != "monthly":
            period = period_containing(RULE_CADENCE[item.deadline_rule], date(2026, 7, 1))
            for unit in reporting_units(item):
                task_for(item, period, on=min(period.end + timedelta(days=1), date(2026, 12, 1)), unit=unit)
    # the one-off first collection (历史/存量数据) of every item, generated the day after the JJ plan (2023-05-21):
    # submitted for all but every ninth item, which stays overdue (docs/adr/0104)
    for n, (item, unit) in enumerate((i, u) for i in items for u in reporting_units(i)):
        batch, _ = initial_task_for(item, date(2023, 5, 22), unit=unit)
        if batch is not None and n % 9 != 8 and not batch.submissions.exists():
            collection_submit(task=batch, acting_user=admin, columns=item.fields, rows=[["示例"] * len(item.fields)],
                              on=date(2023, 6, 9))
    collection_tasks_mark_overdue(on=date(2026, 11, 16))


def seed_corrections(ctx: dict[str, Any]) -> None:
    if DataCorrection.objects.exists():
        return
    users = ctx["users"]
    entry = CatalogEntry.objects.get(code="QZ-JC-FR-001")
    reporter = users["unit_admin"]
    c1 = correction_report(entry=entry, description="部分企业“住所”字段仍为变更前地址，与营业执照不一致。",
                           acting_user=reporter, on=date(2026, 9, 28))
    c1 = correction_dispatch(correction=c1, analysis="经比对确属数源数据未及时更新，分派市场监管局核实。",
                             acting_user=users["tech_operator"], on=date(2026, 9, 29))
    correction_decide(correction=c1, will_correct=True, reason="核实属实，将在源头系统更正后重新汇聚。",
                      acting_user=users["unit_admin_b"], on=date(2026, 9, 30))
    correction_report(entry=entry, description="“登记状态”字段存在空值记录约 30 条，需核实。", acting_user=reporter,
                      on=date(2026, 11, 16))
    gxj = CatalogEntry.objects.get(code="QZ-GXJ-2026-001")
    c3 = correction_report(entry=gxj, description="名录中个别企业所属行业分类与统计口径不一致。",
                           acting_user=users["unit_admin_b"], on=date(2026, 10, 20))
    correction_dispatch(correction=c3, analysis="分派工信局核实。", acting_user=users["tech_operator"],
                        on=date(2026, 10, 21))
    if not InterfaceRequest.objects.exists():
        scjg = CatalogEntry.objects.get(code="QZ-SCJGJ-2026-009")
        interface_request_create(entry=scjg, description="为惠企政策兑现提供企业是否存在在办监管线索的核查接口。",
                                 acting_user=users["city_authority"], on=date(2026, 11, 10))
        # delivered by the producer, waiting for the technical service unit's re-wrap (QZ §二(三), docs/adr/0205)
        req = interface_request_create(entry=scjg, description="为企业开办一件事提供经营范围比对接口。",
                                       acting_user=users["city_authority"], on=date(2026, 11, 16))
        interface_request_deliver(request=req, name="经营范围比对", kind=InterfaceKind.COMPARE,
                                  endpoint="http://10.35.5.21/scjg/compare",
                                  spec="REST/JSON，输入统一社会信用代码和经营范围，返回是否一致。",
                                  call_instructions="以 JSON 提交查询，平台令牌鉴权，每日调用不超过 5000 次。",
                                  acting_user=users["unit_admin_b"], on=date(2026, 11, 24))


def seed(ctx: dict[str, Any]) -> None:
    root, grades = seed_reference()
    items = seed_jinjiang(ctx, grades)
    seed_towns(ctx, items)
    seed_base_resources(ctx, root, grades)
    seed_tasks(ctx, items)
    seed_corrections(ctx)
