"""The applicant-site walk: a breadth-first crawl from ``/`` and every parameterless page of the site URLconf,
following same-site links (file downloads included) up to a bound; then each per-object page of the site for up to
three objects in the role's scope and two outside it (those must be denied)."""

from __future__ import annotations

from collections import Counter, deque
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.crawl.crawler import Crawl

MAX_PAGES = 400
MAX_QUERY_VARIANTS = 4  # pages per path that differ only in the query string (filters, pagination)
NOT_SITE = ("/admin/", "/api/", "/static/", "/accounts/logout/")
IN_SCOPE = 3
OUT_OF_SCOPE = 2


def site_seeds() -> list[str]:
    """``/`` and every parameterless route outside the admin and the API."""
    seeds = ["/"]

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = str(p.pattern)
            if "<" in route or "^" in route or "(" in route:
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                seeds.append(prefix + route)

    walk(get_resolver().url_patterns, "/")
    return [s for s in dict.fromkeys(seeds) if not s.startswith(NOT_SITE)]


def object_pages() -> list[tuple[Any, Any, Any]]:
    """(URL of a primary key, model, the role's scope) of each site page about one object, by primary key."""
    from catalogs.models import CollectionSubmission
    from catalogs.permissions import can_download_submission
    from sharing.models import OpenDataApplication
    from sharing.selectors import open_application_list_for_user
    from subsidies.models import Application, Evidence
    from subsidies.selectors import application_list_for_user

    def applications(user: Any) -> Any:
        return application_list_for_user(user)

    def evidence(user: Any) -> Any:
        return Evidence.objects.filter(application__in=application_list_for_user(user))

    def submissions(user: Any) -> list[int]:
        return [s.pk for s in CollectionSubmission.objects.select_related("task__unit")
                if can_download_submission(user, s)]

    def page(name: str) -> Any:
        return lambda pk: reverse(name, args=[pk])

    def file(app_label: str, model_name: str) -> Any:  # the kernel download (portal.files)
        return lambda pk: reverse("file_download", args=[app_label, model_name, pk, "file"])

    return [(page("subsidies_site:application_detail"), Application, applications),
            (page("subsidies_site:application_edit"), Application, applications),
            (page("subsidies_site:application_decision"), Application, applications),
            (file("subsidies", "evidence"), Evidence, evidence),
            (page("sharing_site:open_application_detail"), OpenDataApplication, open_application_list_for_user),
            (file("catalogs", "collectionsubmission"), CollectionSubmission, submissions)]


class SiteWalk:
    def __init__(self, crawl: Crawl, user: Any) -> None:
        self.crawl = crawl
        self.user = user

    def run(self) -> None:
        self.crawl_links()
        self.object_pages()

    def crawl_links(self) -> None:
        queue = deque(site_seeds())
        queued = set(queue)
        variants: Counter[str] = Counter()
        while queue and len(self.crawl.pages) < MAX_PAGES:
            page = self.crawl.get(queue.popleft())
            if page is None or not page.html:
                continue
            for link in self.crawl.same_site_links(page):
                path = link.split("?")[0]
                if link in queued or path.startswith(NOT_SITE):
                    continue
                if "?" in link:
                    if variants[path] >= MAX_QUERY_VARIANTS:
                        continue
                    variants[path] += 1
                queued.add(link)
                queue.append(link)

    def object_pages(self) -> None:
        for url_of, model, scope_of in object_pages():
            if self.user is None:
                inside: list[Any] = []
            else:
                scope = scope_of(self.user)
                inside = list(scope) if isinstance(scope, list) else list(scope.values_list("pk", flat=True))
            everything = model._default_manager.order_by("pk").values_list("pk", flat=True)
            for pk in inside[:IN_SCOPE]:
                self.crawl.get(url_of(pk))
            for pk in [pk for pk in everything if pk not in set(inside)][:OUT_OF_SCOPE]:
                self.crawl.get(url_of(pk), expect="denied")
