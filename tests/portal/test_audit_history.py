import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from portal.audit import audit_record, audit_verify
from portal.history import acting_as
from portal.models import AuditLog, HolidayOverride


@pytest.fixture
def entry(user_a, unit_a):
    with transaction.atomic():
        return audit_record(actor=user_a, action="test_action", obj=unit_a, reason="理由",
                            before={"name": "旧"}, after={"name": "新"})


def test_audit_row_records_actor_object_and_chain(entry, user_a, unit_a):
    assert entry.actor == user_a and entry.actor_name == "admin_a"
    assert entry.object_id == str(unit_a.pk) and entry.object_repr == "单位甲"
    assert entry.hash == entry.compute_hash()
    with transaction.atomic():
        second = audit_record(actor=None, action="second")
    assert second.prev_hash == entry.hash and second.actor_name == "系统"
    assert audit_verify() == []


def test_audit_row_cannot_be_updated_or_deleted_through_orm(entry):
    entry.reason = "改写"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditLog.objects.filter(pk=entry.pk).update(reason="改写")
    with pytest.raises(PermissionDenied):
        AuditLog.objects.filter(pk=entry.pk).delete()


def test_audit_row_cannot_be_updated_or_deleted_in_sql(entry):
    for sql in ("UPDATE portal_auditlog SET reason = 'x'", "DELETE FROM portal_auditlog"):
        with pytest.raises(DatabaseError, match="审计日志只可追加"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    entry_db = AuditLog.objects.get(pk=entry.pk)
    assert entry_db.reason == "理由"


@pytest.mark.django_db(transaction=True)
def test_audit_requires_transaction():
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="outside")
    assert not AuditLog.objects.exists()


def test_audit_not_editable_in_admin(client, city_authority, entry):
    client.force_login(city_authority)
    response = client.get(f"/admin/portal/auditlog/{entry.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    assert client.post(f"/admin/portal/auditlog/{entry.pk}/delete/").status_code == 403


def test_history_user_from_task_context(user_a):
    import datetime

    with acting_as(user_a):
        override = HolidayOverride.objects.create(date=datetime.date(2027, 1, 1), is_workday=False, name="元旦")
    record = override.history.latest()
    assert record.history_user == user_a and record.history_type == "+"


def test_history_revert_is_disabled(settings):
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True
