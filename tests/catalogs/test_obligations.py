"""Catalog obligations of the seeds that the other tests did not yet prove (docs/catalogs.md, "Requirements").

Each test names the clause it enforces: ``000`` = 泉政办〔2021〕21号 (QZ), ``001`` = the Guangdong (GD) and Fujian
(FJ-OPEN, FJ-REG) public-data rules, ``004`` = 晋政办〔2023〕13号 (JJ).
"""

from __future__ import annotations

import csv
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import (
    AggregationMode,
    CatalogEntry,
    Classification,
    CollectionItem,
    CollectionTask,
    DeadlineRule,
    EntryStatus,
    Grade,
    OpenType,
    TaskStatus,
)
from catalogs.services import (
    collection_submit,
    collection_tasks_generate,
    correction_decide,
    correction_dispatch,
    correction_report,
    entry_transition,
    entry_update,
    entry_version_diff,
)
from portal.models import Notification
from portal.workdays import add_workdays


def test_interface_only_aggregation_needs_its_basis(make_entry, unit_a, user_a):
    """`000` QZ §二(三) and `001` FJ-REG art.12: data a producer cannot aggregate is offered only as a service
    interface, and the producer must give the legal basis (证据材料) for not aggregating it."""
    with pytest.raises(ValidationError) as exc:
        make_entry(unit_a, user_a, aggregation_mode=AggregationMode.INTERFACE_ONLY, no_aggregation_reason=" ")
    assert "no_aggregation_reason" in exc.value.message_dict
    assert "依据" in " ".join(exc.value.message_dict["no_aggregation_reason"])
    assert not CatalogEntry.objects.exists()  # nothing half-written
    entry = make_entry(unit_a, user_a, aggregation_mode=AggregationMode.INTERFACE_ONLY,
                       no_aggregation_reason="《某条例》第十二条：该类数据不得汇聚，仅以接口方式提供")
    assert entry.aggregation_mode == AggregationMode.INTERFACE_ONLY


def test_submitted_entry_is_reviewed_within_five_working_days(make_entry, unit_a, user_a):
    """`001` GD art.10–11 (adopted by ADR 0101): the data authority approves (审定) a submitted catalog entry within
    5 working days; counted with portal.workdays across the 2026 National Day holiday and the make-up Saturday."""
    entry = make_entry(unit_a, user_a)
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a, on=date(2026, 9, 30))
    assert entry.review_due_on == add_workdays(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_open_type_of_a_published_entry_changes_only_through_authority_review(make_entry, unit_a, user_a,
                                                                              city_authority):
    """`001` FJ-OPEN art.14 (不得随意撤销开放数据、调整数据开放类型) and `000` QZ §八(二) (未经批准不得更改和删除):
    a published entry is not edited in place; changing its open type needs a revision the authority publishes (the
    version diff keeps the change), and only the authority retires an entry."""
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority,
                       open_type=OpenType.OPEN)
    with pytest.raises(PermissionDenied):
        entry_update(entry=entry, acting_user=user_a, open_type=OpenType.CLOSED)
    entry.refresh_from_db()
    assert entry.open_type == OpenType.OPEN
    entry = entry_transition(entry=entry, action="revise", acting_user=user_a)
    entry = entry_update(entry=entry, acting_user=user_a, open_type=OpenType.CLOSED)
    entry = entry_transition(entry=entry, action="submit", acting_user=user_a)
    with pytest.raises(PermissionDenied):
        entry_transition(entry=entry, action="publish", acting_user=user_a)  # the unit cannot approve itself
    entry = entry_transition(entry=entry, action="publish", acting_user=city_authority)
    changes = {c.field: c for c in entry_version_diff(entry=entry, old_number=1, new_number=2)}
    assert (changes["open_type"].old, changes["open_type"].new) == ("普遍开放", "不予开放")
    with pytest.raises(PermissionDenied):
        entry_transition(entry=entry, action="retire", acting_user=user_a, reason="不再开放")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED


def test_classification_and_grade_are_configurable_tables(make_entry, unit_a, user_a):
    """`001` GD art.9 and FJ-OPEN art.8: the province sets the classification and grading rules and the city may add
    to them, so both are rows of configurable tables, not hard-coded choices."""
    local = Classification.objects.create(code="ZW-LOCAL", name="本市增补分类")
    grade = Grade.objects.create(code="L9", name="本市增补分级", rank=9)
    entry = make_entry(unit_a, user_a, classification=local, grade=grade)
    entry.refresh_from_db()
    assert (entry.classification, entry.grade) == (local, grade)


def test_source_unit_decision_is_told_to_the_data_authority(make_entry, unit_a, user_a, user_b, city_authority,
                                                            tech_operator):
    """`000` QZ §七(二): the source unit verifies within 5 working days, decides whether to correct and tells the
    data authority through the platform (and the reporting unit learns the result)."""
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    c = correction_report(entry=entry, description="企业名称与登记机关的登记信息不一致", acting_user=user_b)
    c = correction_dispatch(correction=c, analysis="属数源数据问题，分派数源单位", acting_user=tech_operator)
    correction_decide(correction=c, will_correct=False, reason="已核对原始登记凭证，数据无误", acting_user=user_a)
    told = Notification.objects.get(recipient=city_authority, title__startswith="纠错核实结果")
    assert "不予更正" in told.body and "数据无误" in told.body
    assert Notification.objects.filter(recipient=user_b, title__startswith="纠错核实结果").exists()


def test_extra_columns_accepted_only_when_the_field_list_ends_with_deng(unit_a, user_a, settings, tmp_path):
    """`004` JJ annex 2 (数据采集规格表): a submission must carry the declared fields; a field list ending with “等” is
    open-ended, so extra columns are accepted there and refused (state unchanged) where the list is exhaustive."""
    settings.MEDIA_ROOT = tmp_path
    exhaustive = CollectionItem.objects.create(
        unit=unit_a, code="JJ-finance-3", name="收支月报表", fields=["科目名称", "科目代码", "金额"],
        frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    open_ended = CollectionItem.objects.create(
        unit=unit_a, code="JJ-tax-2", name="税务登记信息", fields=["纳税人识别号", "纳税人名称"],
        is_fields_open_ended=True, frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    collection_tasks_generate(on=date(2026, 5, 3))
    closed_task = CollectionTask.objects.get(item=exhaustive)
    open_task = CollectionTask.objects.get(item=open_ended)
    refused = collection_submit(task=closed_task, acting_user=user_a, columns=[*exhaustive.fields, "备注"],
                                rows=[["税收", "101", "1.00", "x"]], on=date(2026, 5, 10))
    accepted = collection_submit(task=open_task, acting_user=user_a, columns=[*open_ended.fields, "行业门类"],
                                 rows=[["91350582MA2XK0A10X", "某企业", "制造业"]], on=date(2026, 5, 10))
    assert (refused.is_accepted, refused.extra_columns) == (False, ["备注"])
    assert "已穷尽" in refused.message
    assert (accepted.is_accepted, accepted.extra_columns) == (True, ["行业门类"])
    closed_task.refresh_from_db()
    open_task.refresh_from_db()
    assert (closed_task.status, open_task.status) == (TaskStatus.PENDING, TaskStatus.SUBMITTED)


def test_every_annex2_requirement_becomes_a_collection_item(db):
    """`004` JJ annex 2: every data requirement of the 数据采集规格表 (54 rows) is a collection item of its unit with
    its fields, frequency and first collection; the three frequency conflicts between annex 1 and annex 2 are recorded
    on their items, not silently fixed (spec §7.3)."""
    from catalogs.demo import CSV_PATH, seed_jinjiang, seed_reference
    from portal.demo import seed_organizations, seed_users

    with CSV_PATH.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 54 and len({r["dept_code"] for r in rows}) == 17
    orgs = seed_organizations()
    ctx = {"orgs": orgs, "users": seed_users(orgs, "Obligation-pass-2026!", reset=False)}
    _, grades = seed_reference()
    seed_jinjiang(ctx, grades)
    items = {i.name: i for i in CollectionItem.objects.select_related("unit", "entry")}
    for row in rows:
        item = items[row["item_name"]]
        assert item.frequency == row["frequency"] and item.first_collection_label == row["first_collection_cn"]
        assert item.fields == [f for f in row["fields"].split("|") if f]
        assert item.entry is not None and item.entry.status == EntryStatus.PUBLISHED
    conflicts = {name for name, item in items.items() if item.has_frequency_conflict}
    assert conflicts == {"商品房资金监管信息", "就业指标", "补充建设项目信息（专业分包）"}
    assert all(items[name].conflict_note for name in conflicts)
