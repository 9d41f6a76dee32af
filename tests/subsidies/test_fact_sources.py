"""Fact sources: the declaration (validated, city authority only, with history) and the harvest of enterprise facts
from a real .xlsx submission (known USCCs only, idempotent, read after the submission is accepted)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogs.models import CollectionItem
from catalogs.services import collection_submit, entry_create, entry_transition
from catalogs.services.collection import period_containing, task_for
from portal.roles import Role
from subsidies.models import Rule
from subsidies.models.matching import EnterpriseFact, FactSource
from subsidies.services.facts import fact_source_save, facts_harvest

pytestmark = pytest.mark.django_db

FIELDS = ["统一社会信用代码", "企业名称", "年度上云服务费（元）"]


@pytest.fixture
def item(units, make_user):
    admin = make_user("root", is_superuser=True, is_staff=True)
    entry = entry_create(source_unit=units["QZ-GXJ"], code="T-CLOUD", title="企业上云服务费用", acting_user=admin,
                         items=[{"name": f} for f in FIELDS], share_type="unconditional", open_type="closed",
                         update_frequency="yearly", aggregation_mode="manual_upload")
    entry = entry_transition(entry=entry, action="submit", acting_user=admin)
    entry_transition(entry=entry, action="publish", acting_user=admin)
    return CollectionItem.objects.create(unit=units["QZ-GXJ"], entry=entry, code="T-CLOUD", name="企业上云服务费用",
                                         fields=FIELDS, frequency="yearly",
                                         deadline_rule="YEARLY_BY_MAR_END_PREV_YEAR")


def _source(item, **extra) -> FactSource:
    values = {"fact": "annual_cloud_service_fee", "data_item": item.entry.items.get(name="年度上云服务费（元）"),
              "collection_item": item, "value_column": "年度上云服务费（元）", "vouching_unit": item.unit}
    return FactSource(**(values | extra))


def _xlsx(rows: list[list[object]]) -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(FIELDS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("上云费用.xlsx", buf.getvalue())


def test_fact_source_validation_errors_are_chinese(item, city_admin):
    with pytest.raises(ValidationError) as exc:
        fact_source_save(source=_source(item, fact="turnover"), acting_user=city_admin)
    assert "不是任何奖补规则的事实" in str(exc.value.message_dict["fact"])
    with pytest.raises(ValidationError) as exc:
        fact_source_save(source=_source(item, rule=Rule.objects.get(code="DE-03")), acting_user=city_admin)
    assert "规则 DE-03 不使用事实" in str(exc.value.message_dict["fact"])
    with pytest.raises(ValidationError) as exc:
        fact_source_save(source=_source(item, value_column="营业收入"), acting_user=city_admin)
    assert "不在采集事项的字段中" in str(exc.value.message_dict["value_column"])
    assert not FactSource.objects.exists()


def test_only_the_city_authority_declares_sources_and_history_is_kept(item, city_admin, reviewer):
    with pytest.raises(PermissionDenied):
        fact_source_save(source=_source(item), acting_user=reviewer)
    source = fact_source_save(source=_source(item, rule=Rule.objects.get(code="PE-09")), acting_user=city_admin)
    source.note = "按年度报送"
    fact_source_save(source=source, acting_user=city_admin)
    assert [h.history_user for h in source.history.all()] == [city_admin, city_admin]


def test_harvest_reads_an_xlsx_submission_once(item, city_admin, make_applicant, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _, known = make_applicant("ent_known")
    _, other = make_applicant("ent_other")
    source = fact_source_save(source=_source(item), acting_user=city_admin)
    task = task_for(item, period_containing("yearly", dt.date(2025, 7, 1)), on=dt.date(2026, 1, 2))
    submitter = make_user("gxj_admin", Role.UNIT_DATA_ADMIN, item.unit)
    submission = collection_submit(task=task, acting_user=submitter, file=_xlsx([
        [known.uscc, known.name, 260000], [other.uscc.lower(), other.name, "88000.50"],
        ["91350500MA00000000", "未登记企业", 1000], [known.uscc, known.name, None]]), file_name="上云费用.xlsx",
        on=dt.date(2026, 3, 10))
    assert submission.is_accepted
    summary = facts_harvest()
    assert (summary.created, summary.unknown_uscc, summary.empty) == (2, 1, 1)
    facts = {f.enterprise_id: f for f in EnterpriseFact.objects.all()}
    assert facts[known.pk].value == "260000" and facts[known.pk].period == 2025
    assert facts[other.pk].value == "88000.50" and facts[other.pk].row_number == 3
    assert facts[known.pk].source == source and facts[known.pk].submission == submission
    assert facts[known.pk].entry_version.number == 1
    again = facts_harvest()
    assert again.created == 0 and EnterpriseFact.objects.count() == 2


def test_accepted_submission_is_harvested_on_commit(item, city_admin, make_applicant, make_user,
                                                    django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    _, known = make_applicant("ent_hook")
    fact_source_save(source=_source(item), acting_user=city_admin)
    task = task_for(item, period_containing("yearly", dt.date(2025, 7, 1)), on=dt.date(2026, 1, 2))
    submitter = make_user("gxj_admin2", Role.UNIT_DATA_ADMIN, item.unit)
    with django_capture_on_commit_callbacks(execute=True):
        collection_submit(task=task, acting_user=submitter, columns=FIELDS,
                          rows=[[known.uscc, known.name, "120000"]], on=dt.date(2026, 3, 10))
    assert EnterpriseFact.objects.get().value == "120000"
