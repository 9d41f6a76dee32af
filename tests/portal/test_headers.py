"""Response headers (ADR 0014): a CSP without 'unsafe-inline', and ``Cache-Control: no-store`` on API answers, admin
pages and every page served to a signed-in person; pages carry no inline script, style or event handler."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from portal.middleware import CSP


def _directives(csp: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in csp.split(";")) if part}


def test_csp_forbids_inline_script_and_style():
    directives = _directives(CSP)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


def test_every_page_gets_the_csp_header(client, db):
    for url in (reverse("home"), reverse("login"), reverse("admin:login")):
        assert client.get(url)["Content-Security-Policy"] == CSP


def test_api_answers_are_no_store_signed_in_or_not(client, make_user):
    response = client.get("/api/v1/organizations/")
    assert response.status_code in (401, 403)
    assert response["Cache-Control"] == "no-store"
    client.force_login(make_user("reader", is_staff=True))
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_admin_and_signed_in_pages_are_no_store_public_pages_are_not(client, make_user):
    assert "Cache-Control" not in client.get(reverse("home"))  # public, anonymous: may be cached
    assert "no-store" in client.get(reverse("admin:login"))["Cache-Control"]
    assert "no-store" in client.get(reverse("login"))["Cache-Control"]
    client.force_login(make_user("staffer", is_staff=True))
    for url in (reverse("admin:index"), reverse("home"), reverse("notifications")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<style\b|\son[a-z]+=|\sstyle=", re.I)


@pytest.mark.parametrize("url_name", ["home", "login", "register", "password_reset", "admin:login", "api-docs"])
def test_public_pages_have_no_inline_code(client, db, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert not INLINE.findall(response.content.decode())


def test_api_docs_script_comes_from_a_url_not_inline(client, make_user):
    html = client.get(reverse("api-docs")).content.decode()
    script = re.search(r'<script src="([^"]*\?script[^"]*)"', html)
    assert script is not None
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_print_button_uses_the_static_script(client, db):
    html = client.get(reverse("home")).content.decode()
    assert 'src="/static/js/site.js"' in html
