"""Crash drills (issue 15 point 4, docs/deployment.md § 故障与恢复, docs/adr/0012-fault-injection.md), with real
processes on the machine's PostgreSQL server whatever database the suite itself runs on.

Scheduled jobs: the demo is seeded once into a fresh database; per job a copy (``createdb -T``) gets its due work
(``setup``), is copied twice again, and the job runs as a worker runs it (``manage.py shell -c``): once undisturbed
(the reference) and once with ``PORTAL_FAULT_AFTER`` so that ``portal.faults.checkpoint`` SIGKILLs the process in
the middle of the job, then again normally. The crashed-and-rerun copy must equal the reference: the same number of
rows in every table (no duplicate, no gap), the same effects by their natural keys, and an audit hash chain that
verifies. A job is one row of ``JOBS``.

Database restart: a private PostgreSQL cluster (``initdb`` in a temporary folder, its own port; the shared server is
never touched) gets a copy of the seeded demo, gunicorn serves the portal on it, and a stream of reads and workflow
writes runs while the cluster restarts (``-m fast`` and ``-m immediate``): every answer is a status page (never a
hang or a traceback; a 500 is the Chinese error page), requests succeed again afterwards, and every write happened
whole or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

ROOT = Path(settings.BASE_DIR)
SERVER = os.environ.get("PORTAL_DRILL_SERVER", "postgres://postgres@127.0.0.1:5432")
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
DEMO_PASSWORD = "drill-password-2026"


def _env(database: str, media: Path, *, port: int = 5432, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_URL", "DJANGO_"))}
    env.update(PORTAL_DEBUG="1", DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/{database}",
               PORTAL_MEDIA_ROOT=str(media), PORTAL_DEMO_PASSWORD=DEMO_PASSWORD,
               PORTAL_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    env.update(extra)
    return env


def _manage(*args: str, database: str, media: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(database, media, **extra),
                          capture_output=True, text=True, timeout=900, check=False)


def _shell(code: str, *, database: str, media: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return _manage("shell", "-c", code, database=database, media=media, **extra)


def _psql(database: str, sql: str, *, port: int = 5432) -> list[str]:
    run = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-qAtX", "-F", "\t",
                          "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
                         check=True, capture_output=True, text=True, timeout=120)
    return run.stdout.splitlines()


def _copy(source: str, target: str) -> None:
    subprocess.run(["createdb", *PG, "-T", source, target], check=True, capture_output=True, timeout=300)


def _drop(*names: str) -> None:
    for name in names:
        subprocess.run(["dropdb", *PG, "--if-exists", "--force", name], check=False, capture_output=True)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One migrated and seeded demo database for the whole module (the slow part, done once). ``FAULTS_SEEDED_DB``
    names an already seeded database to use instead (left in place), for working on the drills."""
    media = tmp_path_factory.mktemp("media")
    if os.environ.get("FAULTS_SEEDED_DB"):
        yield os.environ["FAULTS_SEEDED_DB"], media
        return
    name = f"faults_src_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *PG, name], check=True, capture_output=True)
    try:
        for step in (("migrate", "--noinput", "-v0"), ("seed_demo",)):
            run = _manage(*step, database=name, media=media)
            assert run.returncode == 0, run.stderr[-3000:]
        yield name, media
    finally:
        _drop(name)


# ----------------------------------------------------------------------------------------------- the jobs
AUDIT = "SELECT action, content_type_id, object_repr, reason FROM portal_auditlog"
NOTES = "SELECT recipient_id, title, body FROM portal_notification"
AUDIT_OK = "\nfrom portal.audit import audit_verify; bad = audit_verify(); assert not bad, f'audit chain broken: {bad}'\n"


@dataclass(frozen=True)
class Job:
    """A scheduled job in the drill: ``call`` runs it as the worker does, ``setup`` makes work due, the process is
    killed at the ``after``-th pass of checkpoint ``point``; ``effects`` lists what it does by natural keys."""

    name: str
    call: str
    setup: str
    point: str
    after: int
    effects: str
    after_crash: str = ""  # SQL run on the crashed copy before the job runs again (time that passes meanwhile)
    env: tuple[tuple[str, str], ...] = ()  # environment of every run of the job


# The set-based sweeps (portal.bulk, ADR 0017) pass one checkpoint per batch: batches of one record make the demo's
# few due records several batches, so the kill falls between two of them.
ONE_PER_BATCH = (("PORTAL_SWEEP_BATCH_SIZE", "1"),)


def _task(path: str) -> str:
    module, func = path.rsplit(".", 1)
    return f"from {module} import {func}; print('result', {func}())"


def _sql(*statements: str) -> str:
    """Setup as raw SQL run with psql (no Django start-up; dates moved so work falls due, the guards watch saves, not
    dates); ``%s`` is today's date in the portal's time zone."""
    return "SQL:" + "; ".join(statements)


WEBHOOK_SETUP = """
from django.contrib.auth import get_user_model
from sharing.models import Authorization, WebhookDelivery, WebhookSubscription
from sharing.services.webhooks import event_payload
owner = get_user_model().objects.get(username="city_authority")
for auth in Authorization.objects.order_by("pk")[:2]:
    sub = WebhookSubscription.objects.create(authorization=auth, owner=owner, url="{url}", secret="s" * 32,
                                             events=["authorization.expired"])
    for i in range(3):
        WebhookDelivery.objects.create(subscription=sub, event="authorization.expired",
                                       payload=event_payload(auth, "authorization.expired"))
"""

WEBHOOK_CALL = """
from sharing.models import WebhookDelivery
from sharing.tasks import deliver_webhook
for pk in WebhookDelivery.objects.filter(status__in=["pending", "retrying"]).order_by("pk").values_list("pk", flat=True):
    deliver_webhook(pk)
"""

JOBS = [
    Job("采集任务生成", "catalogs.tasks.daily_collection",
        _sql("DELETE FROM catalogs_collectiontask t WHERE t.status = 'pending' AND NOT t.is_initial_load "
             "AND NOT EXISTS (SELECT 1 FROM catalogs_collectionsubmission s WHERE s.task_id = t.id)"),
        "catalogs.collection_tasks_generate", 5,
        "SELECT item_id, unit_id, period, status, due_on, is_catch_up FROM catalogs_collectiontask",
        env=ONE_PER_BATCH),  # the job's overdue sweeps run set-based after the generation
    Job("采集任务逾期标记", "catalogs.tasks.daily_collection", "",
        "catalogs.collection_tasks_mark_overdue", 5,
        "SELECT item_id, unit_id, period, status FROM catalogs_collectiontask", env=ONE_PER_BATCH),
    Job("接口提供要求逾期标记", "catalogs.tasks.daily_collection",
        _sql("UPDATE catalogs_interfacerequest SET due_on = %s - 1 WHERE NOT is_overdue"),
        "catalogs.interface_requests_mark_overdue", 1,
        "SELECT id, status, is_overdue FROM catalogs_interfacerequest", env=ONE_PER_BATCH),
    Job("共享授权到期", "sharing.tasks.expire_authorizations",
        _sql("UPDATE sharing_authorization SET valid_until_on = %s - 1 WHERE status IN ('active', 'suspended')"),
        "sharing.authorizations_expire", 2,
        "SELECT id, status FROM sharing_authorization", env=ONE_PER_BATCH),
    Job("共享授权到期提醒", "sharing.tasks.remind_expiring_authorizations",
        _sql("UPDATE sharing_authorization SET valid_until_on = %s + 3, expiry_reminded_on = NULL "
             "WHERE status = 'active'"),
        "sharing.authorizations_remind_expiring", 2,
        "SELECT id, expiry_reminded_on FROM sharing_authorization", env=ONE_PER_BATCH),
    Job("开放许可到期", "sharing.tasks.expire_open_grants",
        _sql("UPDATE sharing_opendatagrant SET valid_until_on = %s - 1 WHERE status IN ('active', 'suspended')"),
        "sharing.open_grants_expire", 1,
        "SELECT id, status FROM sharing_opendatagrant", env=ONE_PER_BATCH),
    Job("共享环节超期标记", "sharing.tasks.flag_overdue_steps",
        _sql("UPDATE sharing_workflowstep SET due_on = %s - 1 WHERE finished_on IS NULL"),
        "sharing.steps_flag_overdue", 1,
        "SELECT id, overdue_flagged_at IS NOT NULL FROM sharing_workflowstep", env=ONE_PER_BATCH),
    Job("奖补公示期满结束", "subsidies.tasks.close_due_publicities",
        _sql("UPDATE subsidies_application SET publicity_ends_on = %s - 1, status = 'publicity' "
             "WHERE status IN ('publicity', 'publicized')"),  # two in publicity (the demo has one), both due
        "subsidies.close_due_publicities", 1,
        "SELECT id, status FROM subsidies_application", env=ONE_PER_BATCH),
    Job("奖补逾期提醒", "subsidies.tasks.remind_overdue",
        _sql("UPDATE subsidies_application SET due_on = %s - 1 WHERE due_on IS NOT NULL"),
        "subsidies.remind_overdue", 1,
        "SELECT id, status FROM subsidies_application"),
    Job("Webhook 重试排队", "sharing.tasks.retry_webhooks", WEBHOOK_SETUP.replace("{url}", "http://127.0.0.1:9/hook"),
        "sharing.webhook_retry_due", 2,  # the queue (django_q_ormq) is counted with every other table
        "SELECT id, status, next_attempt_at > created_at + interval '20 seconds' FROM sharing_webhookdelivery"),
    Job("免申即享匹配", "subsidies.tasks.match_open_calls",
        _sql("DELETE FROM subsidies_matchcandidate"),  # the demo's seeding ran it once: match again from nothing
        "subsidies.matching", 1,
        "SELECT call_id, rule_id, enterprise_id, period, status, amount FROM subsidies_matchcandidate"),
    Job("Webhook 投递", "", WEBHOOK_SETUP, "sharing.webhook_deliver", 2,
        "SELECT s.url, d.event, d.status FROM sharing_webhookdelivery d "
        "JOIN sharing_webhooksubscription s ON s.id = d.subscription_id",
        # the dead worker's claim (a 60-second lease, ADR 0011) has run out before the job runs again
        after_crash="UPDATE sharing_webhookdelivery SET next_attempt_at = now() - interval '1 second' "
                    "WHERE status = 'pending' AND attempts > 0"),
]


def _counts(database: str) -> dict[str, int]:
    """Rows per table (sequences skip numbers on rolled-back inserts, so rows are counted, not ids compared)."""
    tables = _psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables if t != "django_session")
    return {t: int(n) for t, n in (line.split("\t") for line in _psql(database, sql))}


def _effects(database: str, job: Job) -> dict[str, Counter[str]]:
    return {sql: Counter(_psql(database, sql)) for sql in (job.effects, AUDIT, NOTES)}


class _Receiver:
    """A local webhook receiver that counts deliveries by their ``X-Portal-Delivery`` id."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen.append((self.headers.get("X-Portal-Delivery", ""), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.mark.parametrize("job", JOBS, ids=[j.point for j in JOBS])
def test_a_worker_killed_mid_job_leaves_no_duplicate_and_no_gap(seeded, job):
    source, media = seeded
    tag = uuid.uuid4().hex[:8]
    due, reference, crashed = f"faults_due_{tag}", f"faults_ref_{tag}", f"faults_crash_{tag}"
    receiver = _Receiver() if job.point == "sharing.webhook_deliver" else None
    call = WEBHOOK_CALL if receiver else _task(job.call)
    try:
        _copy(source, due)
        if job.setup.startswith("SQL:"):
            _psql(due, job.setup[4:].replace("%s", f"DATE '{timezone.localdate():%Y-%m-%d}'"))
        elif job.setup:
            run = _shell(job.setup.replace("{url}", receiver.url if receiver else ""), database=due, media=media)
            assert run.returncode == 0, run.stderr[-3000:]
        _copy(due, reference)
        _copy(due, crashed)

        env = dict(job.env)
        run = _shell(call, database=reference, media=media, **env)
        assert run.returncode == 0, run.stderr[-3000:]
        sent_by_reference = list(receiver.seen) if receiver else []
        if receiver:
            receiver.seen.clear()

        killed = _shell(call, database=crashed, media=media, PORTAL_FAULT_AFTER=str(job.after),
                        PORTAL_FAULT_POINT=job.point, **env)
        assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr[-3000:])
        if job.after_crash:
            _psql(crashed, job.after_crash)
        # run again, then the audit chain verifies
        again = _shell(call + AUDIT_OK, database=crashed, media=media, **env)
        assert again.returncode == 0, again.stderr[-3000:]

        assert _counts(crashed) == _counts(reference)
        effects, expected = _effects(crashed, job), _effects(reference, job)
        for sql in expected:
            assert effects[sql] == expected[sql], sql
        # the job did more than the crash let it: the kill fell in the middle, not after the end
        changed = expected[job.effects] - Counter(_psql(due, job.effects))
        notes = expected[NOTES] - Counter(_psql(due, NOTES))
        assert sum(changed.values()) + sum(notes.values()) > job.after or receiver

        if receiver:
            # sent, then killed before the send was recorded: sent once more with the same delivery id (the receiver
            # dedupes by it); every delivery arrived, none was lost, no other one twice
            ids = Counter(delivery for delivery, _ in receiver.seen)
            assert set(ids) == {d for d, _ in sent_by_reference} and len(ids) == 6
            assert sorted(ids.values()) == [1, 1, 1, 1, 1, 2]
            twice = next(d for d, n in ids.items() if n == 2)
            bodies = {body for d, body in receiver.seen if d == twice}
            assert len(bodies) == 1  # the same payload both times
    finally:
        if receiver:
            receiver.close()
        _drop(due, reference, crashed)


def test_the_fault_hook_is_inert_without_debug_or_testing(tmp_path):
    """A stray PORTAL_FAULT_AFTER on a production worker never kills it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_URL", "DJANGO_"))}
    env.update(PORTAL_FAULT_AFTER="1")
    code = "from portal.faults import checkpoint; checkpoint('x'); checkpoint('x'); print('alive')"
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == 0 and "alive" in run.stdout
    env.update(PORTAL_TESTING="1")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    assert run.returncode == -signal.SIGKILL


# ------------------------------------------------------------------------------------- database restart
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def private_cluster():
    """A PostgreSQL cluster of the test's own (initdb as the postgres user when run as root); never the shared one."""
    base = Path(tempfile.mkdtemp(prefix="faults_pg_"))
    port = _free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    subprocess.run([*as_postgres, str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                    "--no-sync", "-E", "UTF8", "--locale", "C"], check=True, capture_output=True, timeout=120)

    def ctl(*args: str) -> None:
        subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t",
                        "60", "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", *args],
                       check=True, capture_output=True, timeout=120)

    ctl("start")
    try:
        yield port, ctl
    finally:
        subprocess.run([*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       check=False, capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def _request(url: str, *, token: str, body: dict[str, Any] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
                                     method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (a local test server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _is_error_page(status: int, text: str) -> bool:
    """A 5xx answer is the portal's own Chinese error (JSON ``detail`` on the API), never a traceback."""
    return status in (500, 503) and ("服务器内部错误" in text or "服务暂时出错" in text) and "Traceback" not in text


def test_postgresql_restarts_during_requests_give_error_pages_and_no_corrupted_state(seeded, private_cluster, tmp_path):
    source, media = seeded
    port, ctl = private_cluster
    dump = tmp_path / "demo.dump"
    subprocess.run(["pg_dump", *PG, "-Fc", "-f", str(dump), source], check=True, capture_output=True, timeout=300)
    local = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
    subprocess.run(["createdb", *local, "drill"], check=True, capture_output=True, timeout=60)
    subprocess.run(["pg_restore", *local, "--no-owner", "-d", "drill", str(dump)], check=True, capture_output=True,
                   timeout=300)
    run = _manage("issue_api_token", "city_authority", database="drill", media=media,
                  DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/drill")
    assert run.returncode == 0, run.stderr[-2000:]
    token = run.stdout.strip().splitlines()[-1]
    auth_id = int(_psql("drill", "SELECT min(id) FROM sharing_authorization WHERE status = 'active'", port=port)[0])
    audit_before = int(_psql("drill", "SELECT coalesce(max(id), 0) FROM portal_auditlog", port=port)[0])
    history_before = int(_psql("drill", "SELECT coalesce(max(history_id), 0) FROM sharing_historicalauthorization",
                               port=port)[0])

    web = _free_port()
    env = _env("drill", media, port=port)
    env.pop("PORTAL_DEBUG")
    env.update(PORTAL_TESTING="1")  # DEBUG off: the real error pages, not Django's technical page
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "portal.wsgi:application", "-b",
                               f"127.0.0.1:{web}", "-w", "2", "--timeout", "60"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{web}"
    try:
        for _ in range(100):
            try:
                if _request(f"{base}/api/v1/sharing/authorizations/", token=token)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail("the web server did not come up")

        answers: list[tuple[str, int, str]] = []
        stop = threading.Event()

        def stream() -> None:
            suspend = True
            while not stop.is_set():
                status, text = _request(f"{base}/api/v1/sharing/authorizations/", token=token)
                answers.append(("read", status, text))
                action = "suspend" if suspend else "resume"
                status, text = _request(f"{base}/api/v1/sharing/authorizations/{auth_id}/{action}/", token=token,
                                        body={"reason": "故障演练：暂停与恢复", **({"misuse_kind": "other"} if suspend
                                                                              else {})})
                answers.append((action, status, text))
                if status == 200 or (status == 400 and "当前状态" in text):
                    suspend = not suspend  # done (or already done by a write whose answer was lost)

        worker = threading.Thread(target=stream, daemon=True)
        worker.start()
        time.sleep(2)
        ctl("restart", "-m", "fast")
        time.sleep(2)
        ctl("restart", "-m", "immediate")
        time.sleep(2)
        stop.set()
        worker.join(timeout=60)
        assert not worker.is_alive(), "a request hung"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    statuses = Counter(status for _, status, _ in answers)
    failed = [(kind, status, text[:200]) for kind, status, text in answers
              if status not in (200, 400) and not _is_error_page(status, text)]
    assert not failed, failed
    refused = [text[:200] for kind, status, text in answers if status == 400 and "当前状态" not in text]
    assert not refused, refused  # a 400 only where a write's answer was lost and the same step was asked again
    assert statuses[200] > 10
    # the stream ends with successes: the restarts are over and stale connections were replaced
    assert [status for _, status, _ in answers[-4:]] == [200, 200, 200, 200], answers[-4:]

    # every write whole or not at all: one audit row and one history row per transition, state as the last one says
    audit = _psql("drill", f"SELECT action FROM portal_auditlog WHERE id > {audit_before} AND "
                           f"action LIKE 'sharing.authorization.%' AND object_id = '{auth_id}' ORDER BY id", port=port)
    history = _psql("drill", f"SELECT status FROM sharing_historicalauthorization WHERE history_id > {history_before} "
                             f"AND id = {auth_id} ORDER BY history_id", port=port)
    done = sum(1 for kind, status, _ in answers if kind != "read" and status == 200)
    assert len(audit) == len(history) >= done > 0
    assert [a.rsplit(".", 1)[1] for a in audit] == ["suspend", "resume"] * (len(audit) // 2) + ["suspend"] * (
        len(audit) % 2)
    status_now = _psql("drill", f"SELECT status FROM sharing_authorization WHERE id = {auth_id}", port=port)[0]
    assert status_now == ("suspended" if len(audit) % 2 else "active") == (history[-1] if history else "active")
    run = _shell(AUDIT_OK, database="drill", media=media, DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/drill")
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    print(f"restart drill: {len(answers)} requests, statuses {dict(statuses)}, {len(audit)} transitions")
