"""The audit hash chain under concurrent writers, and ``audit_verify`` detecting a forked chain.

Each writer is a thread with its own database connection. On PostgreSQL a barrier releases them together and the
chain's advisory lock decides the order. The SQLite test database lives in shared-cache memory, where a second writer
fails at once ("database table is locked") instead of waiting as IMMEDIATE transactions on a file do; there the same
writers take turns per transaction, interleaved.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections, transaction

from portal.audit import audit_record, audit_verify
from portal.models import AuditLog

WRITERS = 8
RECORDS = 20


def _write_concurrently() -> None:
    barrier = threading.Barrier(WRITERS)
    turn = contextlib.nullcontext() if connection.vendor == "postgresql" else threading.Lock()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(RECORDS):
                with turn, transaction.atomic():
                    audit_record(actor=None, action="test.chain.write", reason=f"写入者{n}第{i}条")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unforked_chain():
    _write_concurrently()
    rows = list(AuditLog.objects.order_by("id"))
    assert len(rows) == WRITERS * RECORDS
    assert {r.reason for r in rows} == {f"写入者{n}第{i}条" for n in range(WRITERS) for i in range(RECORDS)}
    assert rows[0].prev_hash == ""
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert audit_verify() == []


@pytest.mark.django_db
def test_audit_verify_detects_a_forked_chain():
    with transaction.atomic():
        first = audit_record(actor=None, action="test.chain.first")
        audit_record(actor=None, action="test.chain.second")
    assert audit_verify() == []
    with transaction.atomic():
        fork = AuditLog(action="test.chain.fork", prev_hash=first.hash)  # links past the second row
        fork.save()
        after = audit_record(actor=None, action="test.chain.after")
    assert fork.hash == fork.compute_hash() and after.prev_hash == fork.hash
    assert audit_verify() == [fork.pk]
