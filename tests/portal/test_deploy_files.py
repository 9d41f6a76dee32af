"""The deployment files: the docs show them verbatim, and `make cluster` reads its command lines from them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from django.http import HttpResponse
from django.test import RequestFactory

from portal.middleware import NodeHeaderMiddleware

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_FILES = ["deploy/portal.env.example", "deploy/systemd/portal-web@.service",
                "deploy/systemd/portal-qcluster@.service", "deploy/nginx/portal.conf"]


def _cluster_script():
    spec = importlib.util.spec_from_file_location("portal_cluster_script", ROOT / "scripts" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_deployment_doc_shows_each_deploy_file_verbatim():
    doc = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for name in DEPLOY_FILES:
        assert (ROOT / name).read_text(encoding="utf-8") in doc, f"docs/deployment.md 未包含 {name} 的当前内容"


def test_cluster_runs_the_command_lines_of_the_units():
    script = _cluster_script()
    web = script.read_unit(ROOT / "deploy/systemd/portal-web@.service", "2")
    assert web.exec_start[0] == str(ROOT / ".venv/bin/gunicorn")
    assert "127.0.0.1:18082" in web.exec_start and web.environment == {"PORTAL_NODE_NAME": "web-2"}
    assert web.working_directory == str(ROOT)
    tasks = script.read_unit(ROOT / "deploy/systemd/portal-qcluster@.service", "1")
    assert tasks.exec_start == [str(ROOT / ".venv/bin/python"), "manage.py", "qcluster"]


def test_cluster_nginx_config_is_the_documented_one_moved_to_a_temporary_directory(tmp_path):
    script = _cluster_script()
    config = script.nginx_config(tmp_path)
    assert f"listen 127.0.0.1:{script.HTTPS_PORT} ssl http2;" in config
    directives = "\n".join(line for line in config.splitlines() if not line.strip().startswith("#"))
    assert f"alias {tmp_path}/static/;" in directives
    assert "/etc/portal" not in directives and "/srv/portal" not in directives and "/var/log" not in directives
    for port in script.WEB_PORTS:  # the upstream is the units' ports
        assert f"server 127.0.0.1:{port} " in config
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in config and "client_max_body_size 20m;" in config


def test_node_header_names_the_answering_web_node(settings):
    settings.PORTAL_NODE_NAME = "web-2"
    middleware = NodeHeaderMiddleware(lambda request: HttpResponse("ok"))
    assert middleware(RequestFactory().get("/"))["X-Portal-Node"] == "web-2"
