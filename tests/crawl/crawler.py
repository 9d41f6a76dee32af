"""The crawl harness: GET pages as one demo role, and record 5xx, leaks, writes on GET and untranslated English.

A ``Crawl`` wraps the test client of one role. ``get(url, expect=...)`` fetches a page once and checks it:

- ``ok``: any answer below 500 (a 4xx on a page the role may reach is not a crash; the crawl checks robustness);
- ``denied``: the role must not reach the page; only 401/403/404, a redirect to a login page, or the admin's
  "does not exist" redirect to the admin index (Django's answer for an object outside the admin queryset) pass.

Every GET runs with a database hook that records writes; a GET that writes anything but a session, an audit row of a
download, the token's last-used time or the access-log row of the read is a finding (GET must not change state). HTML answers are scanned for
untranslated English (``english_words``), for code the CSP would block (inline script/style, ``on*=``) and for the
CSP and ``Cache-Control: no-store`` headers (ADR 0014).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.db import connection, transaction

# Every demo account of the README's table, and the anonymous visitor.
# The admin crawl is split in two files (city-wide roles and non-staff / unit roles) so xdist spreads them.
CITY_WIDE_ROLES = ["admin", "city_authority", "county_authority", "auditor", "applicant", "applicant_b",
                   "applicant_univ", "applicant_foreign", "evaluator1", "anonymous"]
UNIT_ROLES = ["unit_admin", "unit_admin_b", "jj_finance_admin", "unit_leader", "tech_operator", "program_officer",
              "finance_officer", "procurement_officer", "procurement_supervisor", "gaj_admin"]
ROLES = CITY_WIDE_ROLES + UNIT_ROLES

# Proper names and codes that stay in Latin letters on a Chinese page. Nothing else: no English words, no sentences.
ALLOWED_WORDS = {
    # formats, standards and protocols
    "API", "OCDS", "DCAT", "USCC", "CKAN", "JSON", "XLSX", "CSV", "PDF", "URL", "URI", "UUID", "HTTP", "HTTPS",
    "RDF", "XML", "SHACL", "OpenAPI", "Excel", "Token", "Webhook", "SHA", "Turtle", "PNG", "JPEG", "JPG", "Word",
    "LDAP", "UTC", "Cron", "Python",
    # keyboard keys and a platform in Django's multi-select hint; a red-flag methodology cited in rule sources
    "Control", "Command", "Mac", "Cardinal",
    # terms Chinese policy texts use as they are: DCMM (GB/T 36073 maturity model), MPW (multi-project wafer), APP, GDP
    "DCMM", "MPW", "APP", "GDP",
    # units
    "KB", "MB", "GB",
}

# Tables a GET may write to: the session, the audit row of a file download, the API token's last use, the access log
# of reads (QZ §八(四), docs/adr/0009-access-log.md).
# <script> blocks that hold data, not code: the browser does not run them, the CSP does not apply.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}

BOOKKEEPING_TABLES = {"django_session", "portal_auditlog", "portal_apitoken", "portal_accesslog"}

DENIED_STATUSES = {401, 403, 404}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


# ---------------------------------------------------------------------------------------------------- HTML parsing
class _PageParser(HTMLParser):
    """Visible text (no script/style; title/aria-label/alt/placeholder kept), links, and changelist filter links."""

    TEXT_ATTRS = ("title", "aria-label", "alt", "placeholder")
    SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.links: list[str] = []
        self.filters: list[list[str]] = []  # per <details data-filter-title>: its choice links
        self.object_tools: list[str] = []
        self.has_search = False
        self._skip = 0
        self._in_filter = False
        self._in_tools = 0
        self.inline_code: list[str] = []  # what the CSP (no 'unsafe-inline') would block: inline script/style/on*=

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.SKIP:
            self._skip += 1
        if tag == "script" and not a.get("src") and a.get("type", "") not in DATA_SCRIPT_TYPES:
            self.inline_code.append("<script> without src")
        if tag == "style":
            self.inline_code.append("<style>")
        self.inline_code += [f"{name}= on <{tag}>" for name in a if name.startswith("on") or name == "style"]
        if tag == "a" and a.get("href", "").lower().startswith("javascript:"):
            self.inline_code.append("javascript: link")
        for name in self.TEXT_ATTRS:
            if a.get(name):
                self.texts.append(a[name])
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.texts.append(a["value"])
        if tag == "input" and a.get("name") == "q":
            self.has_search = True
        if tag == "details" and "data-filter-title" in a:
            self._in_filter = True
            self.filters.append([])
        if tag == "ul" and "object-tools" in a.get("class", "").split():
            self._in_tools += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            if self._in_filter:
                self.filters[-1].append(a["href"])
            if self._in_tools:
                self.object_tools.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "details":
            self._in_filter = False
        if tag == "ul" and self._in_tools:
            self._in_tools -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(data)


@dataclass
class Page:
    url: str
    status: int
    html: bool
    texts: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    filters: list[list[str]] = field(default_factory=list)
    object_tools: list[str] = field(default_factory=list)
    has_search: bool = False
    location: str = ""
    body: bytes = b""
    content_type: str = ""
    seconds: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


# ---------------------------------------------------------------------------------------------------- English check
_CHUNK = re.compile(r"[!-~]+")  # a run of printable ASCII without spaces
_WORD = re.compile(r"[A-Za-z]{3,}")
_CODE = re.compile(r"^[A-Z]+(-[A-Za-z0-9_]+)+$|^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")  # DE-09, JJ-housing_fund, MIN_BIDS
_PYTHON_PATH = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")  # catalogs.tasks.daily_collection: a scheduled task
_FILE = re.compile(r"\.(xlsx|xls|csv|pdf|json|jsonld|ttl|xml|docx?|zip|txt|md|png|jpe?g|ofd|rdf)$", re.I)
_ALLOWED = {w.upper() for w in ALLOWED_WORDS}
_STRIP = "()[]{}<>:;,.!?'\"`*|/\\=+~-"


def english_words(texts: Iterable[str], names: set[str]) -> list[str]:
    """ASCII chunks of visible text that hold an English word (≥ 3 Latin letters) that is no allowed code or name.

    Skipped: e-mail addresses, URLs, paths and MIME types, file names, codes like ``DE-09``, ``JJ-housing_fund`` or
    ``MIN_BIDS`` (units' and parameters' codes, shown beside their Chinese names), Python paths of scheduled tasks
    (``catalogs.tasks.daily_collection``), identifiers with digits,
    the given ``names`` (usernames), and ``ALLOWED_WORDS`` (any case: xlsx, PDF). Machine codes such as
    ``under_review`` are flagged: a person reads them where a Chinese label belongs.
    """
    found: list[str] = []
    for text in texts:
        for chunk in _CHUNK.findall(text):
            token = chunk.strip(_STRIP)
            if (not token or "@" in token or "/" in token or token.startswith("www.")
                    or _FILE.search(token) or _CODE.match(token) or _PYTHON_PATH.match(token) or any(c.isdigit() for c in token)
                    or token in names):
                continue
            words = [w for w in _WORD.findall(token) if w.upper() not in _ALLOWED]
            if words:
                found.append(token)
    return found


# ---------------------------------------------------------------------------------------------------- the crawl
@dataclass
class Finding:
    kind: str  # 5xx | leak | write-on-get | english | inline-code | headers
    url: str
    status: int | str
    detail: str = ""

    def line(self, role: str) -> str:
        return f"[{self.kind}] {role} GET {self.url} → {self.status} {self.detail}".rstrip()


class _WriteWatch:
    """A database execute wrapper remembering the tables written by INSERT/UPDATE/DELETE."""

    _TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)

    def __init__(self) -> None:
        self.tables: list[str] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        m = self._TABLE.match(sql)
        if m:
            self.tables.append(m.group(1))
        return execute(sql, params, many, context)


class Crawl:
    """One role's crawl: a client, the pages seen, and the findings."""

    def __init__(self, role: str, client: Any, *, names: set[str], headers: dict[str, str] | None = None) -> None:
        self.role = role
        self.client = client
        self.names = names
        self.headers = headers or {}
        self.pages: dict[str, Page] = {}
        self.findings: list[Finding] = []
        self.english: dict[str, list[str]] = {}  # English chunk -> URLs (first few)
        self.bookkeeping_writes = 0
        self.seconds = 0.0

    # -------------------------------------------------------------------- fetch and check
    def get(self, url: str, *, expect: str = "ok") -> Page | None:
        url = self.normalize(url)
        if url in self.pages:
            page = self.pages[url]
            self._check_denied(page, expect)
            return page
        watch = _WriteWatch()
        started = time.perf_counter()
        logger = logging.getLogger("django.request")  # the crawl records each 500 itself, one line each
        level, logger.level = logger.level, logging.CRITICAL
        try:
            # a savepoint per page: a database error in one view (PostgreSQL then refuses every later query in the
            # transaction) stays that page's finding
            with transaction.atomic(), connection.execute_wrapper(watch):
                response = self.client.get(url, **self.headers)
                body = b"" if response.streaming else response.content
                if response.streaming:  # consuming it closes the file (the test client wraps the iterator)
                    for _chunk in response.streaming_content:
                        pass
        except Exception as exc:  # the test client re-raises a view's exception: that is the 500 the user gets
            self.seconds += time.perf_counter() - started
            self.pages[url] = Page(url, 500, False)
            self.findings.append(Finding("5xx", url, 500, f"{type(exc).__name__}: {_first_line(exc)}{_where(exc)}"))
            return None
        finally:
            logger.level = level
        elapsed = time.perf_counter() - started
        self.seconds += elapsed
        ctype = response.get("Content-Type", "")
        page = Page(url, response.status_code, "text/html" in ctype, location=response.get("Location", ""),
                    body=body, content_type=ctype, seconds=elapsed)
        self.pages[url] = page
        if page.status >= 500:
            self.findings.append(Finding("5xx", url, page.status, body[:200].decode("utf-8", "replace")))
        writes = [t for t in watch.tables if t not in BOOKKEEPING_TABLES]
        self.bookkeeping_writes += len(watch.tables) - len(writes)
        if writes:
            self.findings.append(Finding("write-on-get", url, page.status, ", ".join(sorted(set(writes)))))
        self._check_headers(page, response)
        if page.html and body:
            parser = _PageParser()
            parser.feed(body.decode("utf-8", "replace"))
            if parser.inline_code:
                self.findings.append(Finding("inline-code", url, page.status, ", ".join(sorted(set(parser.inline_code)))))
            page.texts, page.links, page.filters = parser.texts, parser.links, parser.filters
            page.object_tools, page.has_search = parser.object_tools, parser.has_search
            for chunk in english_words(page.texts, self.names):
                urls = self.english.setdefault(chunk, [])
                if len(urls) < 3:
                    urls.append(url)
        self._check_denied(page, expect)
        return page

    def _check_headers(self, page: Page, response: Any) -> None:
        """ADR 0014: a CSP without 'unsafe-inline' on every page; no-store on API answers, admin pages and every
        page served to a signed-in person."""
        csp = response.get("Content-Security-Policy", "")
        if page.html and ("script-src 'self'" not in csp or "unsafe-inline" in csp):
            self.findings.append(Finding("headers", page.url, page.status, f"CSP: {csp!r}"))
        request = getattr(response, "wsgi_request", None)
        signed_in = request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated
        if (signed_in or page.url.startswith(("/api/", "/admin/"))) and page.status < 300 \
                and "no-store" not in response.get("Cache-Control", ""):
            self.findings.append(Finding("headers", page.url, page.status, "no Cache-Control: no-store"))

    def _check_denied(self, page: Page, expect: str) -> None:
        if expect != "denied" or page.status >= 500:
            return
        if page.status in DENIED_STATUSES:
            return
        if page.status == 302:
            target = urlsplit(page.location).path
            if target.startswith(LOGIN_PATHS) or target == "/admin/":
                return
        self.findings.append(Finding("leak", page.url, page.status, "the role must not reach this page"))

    @staticmethod
    def normalize(url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def same_site_links(self, page: Page) -> list[str]:
        out = []
        for href in page.links:
            if href.startswith(("mailto:", "javascript:", "tel:", "#")):
                continue
            absolute = urljoin("http://testserver" + page.url, href)
            parts = urlsplit(absolute)
            if parts.netloc != "testserver":
                continue
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        return out

    # -------------------------------------------------------------------- results
    def summary(self) -> dict[str, Any]:
        return {"role": self.role, "pages": len(self.pages), "seconds": round(self.seconds, 1),
                "errors": sum(f.kind == "5xx" for f in self.findings),
                "leaks": sum(f.kind == "leak" for f in self.findings),
                "writes": sum(f.kind == "write-on-get" for f in self.findings),
                "inline_code": sum(f.kind == "inline-code" for f in self.findings),
                "headers": sum(f.kind == "headers" for f in self.findings),
                "bookkeeping_writes": self.bookkeeping_writes,
                "english": len(self.english),
                "slowest": [f"{p.url} {p.seconds:.2f}s" for p in
                            sorted(self.pages.values(), key=lambda p: -p.seconds)[:3]],
                "findings": [f.line(self.role) for f in self.findings],
                "english_strings": {k: v for k, v in sorted(self.english.items())}}

    def report(self) -> str:
        lines = [f.line(self.role) for f in self.findings]
        lines += [f"[english] {self.role} {chunk!r} on {', '.join(urls)}" for chunk, urls in sorted(self.english.items())]
        return "\n".join(lines)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:300]


def _where(exc: BaseException) -> str:
    """The innermost frame of project code in the traceback (file:line), to find the defect fast."""
    tb = exc.__traceback__
    where = ""
    while tb is not None:
        path = tb.tb_frame.f_code.co_filename
        if "/site-packages/" not in path and "/tests/" not in path:
            where = f" at {path.rsplit('/', 2)[-2]}/{path.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def usernames() -> set[str]:
    from django.contrib.auth import get_user_model

    return set(get_user_model().objects.values_list("username", flat=True))


def client_for(role: str, demo: dict[str, Any]) -> Any:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    if role != "anonymous":
        client.force_login(get_user_model().objects.get(username=role))
    return client


def record(crawl: Crawl, record_property: Any, area: str) -> None:
    """Hand the figures to the terminal summary (tests/conftest.py) — works across xdist workers."""
    record_property("crawl", json.dumps({"area": area, **crawl.summary()}, ensure_ascii=False))


def crawl_role(role: str, demo: dict[str, Any], record_property: Any, walk: Any, area: str) -> None:
    """Walk ``area`` as ``role`` with ``walk`` (AdminWalk, ApiWalk, SiteWalk), record the figures, fail on findings."""
    import pytest
    from django.contrib.auth import get_user_model

    user = None if role == "anonymous" else get_user_model().objects.get(username=role)
    crawl = Crawl(role, client_for(role, demo), names=usernames())
    walk(crawl, user).run()
    record(crawl, record_property, area)
    if crawl.findings or crawl.english:
        pytest.fail(crawl.report(), pytrace=False)
