"""The strict CSP in a real browser (ADR 0014): pages report no Content-Security-Policy violation, the admin's JS
still runs (date shortcuts, collapsible filters), the API docs render from the split script, and the data-print
button of the applicant site reaches ``window.print``."""

from __future__ import annotations

import pytest

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda msg: found.append(msg.text) if "Content Security Policy" in msg.text else None)
    return found


def test_admin_and_api_docs_run_without_csp_violations(page, live_server, make_user):
    make_user("csp_staff", is_staff=True, is_superuser=True)
    found = _violations(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "csp_staff")
    page.fill("#id_password", PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/admin")
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/admin/portal/holidaynotice/add/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".datetimeshortcuts").count() > 0  # the admin's calendar JS ran (static script, no inline)
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)  # Swagger UI rendered from ?script
    assert found == []


def test_print_button_works_without_inline_handler(page, live_server, applicant):
    found = _violations(page)
    page.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => { const b = document.createElement('button'); b.setAttribute('data-print', '');
                            b.id = 'p'; document.body.appendChild(b); }""")
    page.click("#p")
    assert page.evaluate("window.__printed") == 1
    assert found == []


def test_an_inline_script_is_blocked_and_reported(page, live_server, db):
    """The check above is not vacuous: the browser refuses an inline script on our pages and says so."""
    found = _violations(page)
    page.goto(f"{live_server.url}/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1;';
                            document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert found and "script-src" in found[0]
