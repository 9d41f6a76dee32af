"""Issue 13 point 11 — the CKAN view is what real CKAN clients and harvesters expect: ``fq`` filters (Solr syntax
subset), ``facet.field`` gives ``facets``/``search_facets`` like CKAN 2.9+, ``organization_show`` exists. Driven with
``ckanapi`` (the real client) over the live server, and with plain GETs for the query-string forms.

Open data is offered to the public through the open platform (seed 001, GD/FJ public-data rules; seed 000 QZ §六) and
every read of it stays traceable (seed 000 QZ §八(四): 查询、访问 logged).
"""

from __future__ import annotations

import json

import pytest
from ckanapi import NotFound, RemoteCKAN, SearchQueryError

from catalogs.models import CatalogEntry, EntryStatus, OpenType, ShareType
from portal.models import AccessLog


@pytest.fixture
def catalog(make_entry, unit_a, user_a, unit_b, user_b, city_authority):
    """Unit A (qz-a): two open entries, one with an interface; unit B (qz-b): one authorised-open entry; plus entries
    that never appear (不予开放, 暂不共享, draft)."""
    pub = dict(status=EntryStatus.PUBLISHED, authority=city_authority)
    return {
        "a1": make_entry(unit_a, user_a, code="QZ-A-0001", title="规上工业企业名录", open_type=OpenType.OPEN,
                         keywords="工业,企业名录", **pub),
        "a2": make_entry(unit_a, user_a, code="QZ-A-0002", title="工业园区清单", open_type=OpenType.OPEN,
                         keywords="工业、园区", interfaces=[{"name": "园区查询接口", "endpoint": "https://gw.example/park",
                                                         "call_instructions": "按园区编码查询"}], **pub),
        "b1": make_entry(unit_b, user_b, code="QZ-B-0001", title="企业登记信息", open_type=OpenType.AUTHORIZED,
                         share_type=ShareType.CONDITIONAL, legal_basis="《企业信息公示暂行条例》", keywords="企业名录",
                         **pub),
        "closed": make_entry(unit_a, user_a, code="QZ-A-0003", title="企业用电明细", open_type=OpenType.CLOSED,
                             keywords="工业", **pub),
        "not_shared": make_entry(unit_b, user_b, code="QZ-B-0004", title="企业监管内部线索", keywords="工业",
                                 share_type=ShareType.NOT_SHARED, legal_basis="某法律第十条", **pub),
        "draft": make_entry(unit_a, user_a, code="QZ-A-0005", title="企业草稿目录", open_type=OpenType.OPEN,
                            keywords="工业"),
    }


def names(result) -> list[str]:
    return [r["name"] for r in result["results"]]


def search(client, **params):
    response = client.get("/api/3/action/package_search", params)
    return response.status_code, response.json()


# ------------------------------------------------------------------------------------------------ ckanapi
def test_ckanapi_fq_facets_and_organization_show(live_server, catalog):
    """The acceptance of point 11: ckanapi runs package_search with fq and facet.field, and organization_show."""
    with RemoteCKAN(live_server.url) as ckan:  # closed at the end: no keep-alive outlives the live server
        ckan.base_url = "api/3/action/"  # the versioned prefix of interfaces.md (ckanapi's default api/action/ works too)

        result = ckan.action.package_search(fq="organization:qz-a", **{"facet.field": ["organization", "tags"]})
        assert names(result) == ["qz-a-0001", "qz-a-0002"] and result["count"] == 2
        assert {r["organization"]["name"] for r in result["results"]} == {"qz-a"}
        assert result["facets"] == {"organization": {"qz-a": 2}, "tags": {"工业": 2, "企业名录": 1, "园区": 1}}
        assert result["search_facets"]["organization"] == {
            "title": "organization", "items": [{"name": "qz-a", "display_name": "单位甲", "count": 2}]}

        every = ckan.action.package_search(**{"facet.field": json.dumps(["organization", "res_format"]),
                                              "facet.limit": 1})
        assert every["count"] == 3 and every["facets"] == {"organization": {"qz-a": 2}, "res_format": {"JSON": 3}}

        both = ckan.action.package_search(q="企业", fq='+tags:"企业名录" +organization:qz-b', rows=10)
        assert names(both) == ["qz-b-0001"]

        with pytest.raises(SearchQueryError):
            ckan.action.package_search(fq="groups_of_nobody:x")

        org = ckan.action.organization_show(id="qz-a", include_datasets=True)
        assert (org["name"], org["title"], org["package_count"], org["is_organization"]) == ("qz-a", "单位甲", 2, True)
        assert [p["name"] for p in org["packages"]] == ["qz-a-0001", "qz-a-0002"]
        assert "packages" not in ckan.action.organization_show(id="QZ-B")
        with pytest.raises(NotFound):
            ckan.action.organization_show(id="qz-nobody")
        assert ckan.action.organization_list(all_fields=True, sort="package_count desc")[0]["package_count"] == 2


# ------------------------------------------------------------------------------------------------ fq syntax
def test_fq_organization_no_longer_returns_other_organisations(client, catalog):
    """The bug of the issue: ``fq=organization:…`` returned other organisations' datasets."""
    for fq in ("organization:qz-b", 'organization:"qz-b"', "+organization:QZ-B", "owner_org:QZ-B"):
        status, data = search(client, fq=fq)
        assert status == 200 and names(data["result"]) == ["qz-b-0001"], fq
    status, data = search(client, fq="organization:qz-nobody")
    assert data["result"]["count"] == 0 and data["result"]["results"] == []


def test_fq_fields_combinations_and_negation(client, catalog):
    cases = {
        "tags:工业": ["qz-a-0001", "qz-a-0002"],
        'tags:"企业名录"': ["qz-a-0001", "qz-b-0001"],
        "tags:(园区 OR 企业名录)": ["qz-a-0001", "qz-a-0002", "qz-b-0001"],
        "res_format:API": ["qz-a-0002"],
        "res_format:json": ["qz-a-0001", "qz-a-0002", "qz-b-0001"],
        "res_format:CSV": [],
        "license_id:cc-by": [],
        "name:qz-a-0002": ["qz-a-0002"],
        "id:QZ-B-0001": ["qz-b-0001"],
        "title:园区": ["qz-a-0002"],
        "+dataset_type:dataset +capacity:public": ["qz-a-0001", "qz-a-0002", "qz-b-0001"],
        "organization:qz-a AND tags:企业名录": ["qz-a-0001"],
        "organization:qz-a && -tags:企业名录": ["qz-a-0002"],
        "organization:qz-a NOT res_format:API": ["qz-a-0001"],
        "*:*": ["qz-a-0001", "qz-a-0002", "qz-b-0001"],
        "园区": ["qz-a-0002"],
        "": ["qz-a-0001", "qz-a-0002", "qz-b-0001"],
    }
    for fq, expected in cases.items():
        status, data = search(client, fq=fq)
        assert status == 200 and names(data["result"]) == expected, (fq, data)


def test_entries_outside_the_open_catalog_never_match(client, catalog):
    """不予开放, 暂不共享 and drafts stay out whatever the filter (the open-entries filter is unchanged)."""
    for fq in ("organization:qz-a", "tags:工业", "*:*", "title:企业"):
        _, data = search(client, fq=fq, rows=100)
        assert not {"qz-a-0003", "qz-b-0004", "qz-a-0005"} & set(names(data["result"])), fq


def test_bad_queries_are_refused_like_ckan(client, catalog):
    """Unknown fields, OR between clauses and broken syntax: 409 with CKAN's error shape and a Chinese message."""
    for params in ({"fq": "groups_of_nobody:x"}, {"fq": "organization:qz-a OR tags:x"}, {"fq": 'tags:"unclosed'},
                   {"fq": "tags:(a AND b)"}, {"facet.field": '["organization", "secret_field"]'},
                   {"facet.field": "organization"}, {"facet.limit": "many"}, {"sort": "secret desc"},
                   {"sort": "name sideways"}):
        status, data = search(client, **params)
        assert status == 409, params
        assert data["success"] is False and data["error"]["__type"] == "Search Query Error", params
        assert data["error"]["message"].startswith("Search Query is invalid: "), params
    status, data = search(client, rows="-x")
    assert status == 400 and data["error"]["__type"] == "Validation Error"


def test_q_keeps_working_and_understands_fields(client, catalog):
    """``q`` as before (words, all must match) plus known fields; unknown fields in q search their value."""
    assert names(search(client, q="企业 名录")[1]["result"]) == ["qz-a-0001", "qz-b-0001"]  # every word must match
    assert names(search(client, q="organization:qz-b")[1]["result"]) == ["qz-b-0001"]
    assert names(search(client, q="whatever:园区")[1]["result"]) == ["qz-a-0002"]
    assert names(search(client, q='"工业园区"')[1]["result"]) == ["qz-a-0002"]
    assert names(search(client, q='broken "quote')[1]["result"]) == []


# ------------------------------------------------------------------------------------------------ facets, paging
def test_facets_count_every_match_not_only_the_page(client, catalog):
    status, data = search(client, q="工业", rows=1,
                          **{"facet.field": '["organization","tags","res_format","license_id"]'})
    result = data["result"]
    assert status == 200 and result["count"] == 2 and len(result["results"]) == 1
    assert result["facets"] == {"organization": {"qz-a": 2}, "tags": {"工业": 2, "企业名录": 1, "园区": 1},
                                "res_format": {"JSON": 2, "API": 1}, "license_id": {}}
    items = result["search_facets"]["tags"]["items"]
    assert [i["name"] for i in items] == ["工业", "企业名录", "园区"]  # by count, then name
    limited = search(client, **{"facet.field": '["tags"]', "facet.limit": "2"})[1]["result"]
    assert len(limited["facets"]["tags"]) == 2
    unlimited = search(client, **{"facet.field": '["tags"]', "facet.limit": "-1"})[1]["result"]
    assert unlimited["facets"]["tags"] == {"企业名录": 2, "工业": 2, "园区": 1}
    assert search(client)[1]["result"]["facets"] == {} and search(client)[1]["result"]["search_facets"] == {}


def test_sort_rows_and_start(client, catalog):
    result = search(client, sort="name desc")[1]["result"]
    assert names(result) == ["qz-b-0001", "qz-a-0002", "qz-a-0001"] and result["sort"] == "name desc"
    assert names(search(client, sort="title_string asc")[1]["result"]) == sorted(
        ["qz-a-0001", "qz-a-0002", "qz-b-0001"], key=lambda n: CatalogEntry.objects.get(code=n.upper()).title)
    assert names(search(client, sort="score desc, metadata_modified desc")[1]["result"])
    page = search(client, rows=1, start=1)[1]["result"]
    assert names(page) == ["qz-a-0002"] and page["count"] == 3
    assert search(client, rows=0)[1]["result"]["results"] == []


def test_organization_show_and_list(client, catalog):
    data = client.get("/api/3/action/organization_show", {"id": "QZ-A"}).json()
    org = data["result"]
    assert data["success"] and org["name"] == "qz-a" and org["package_count"] == 2 and "packages" not in org
    assert client.get("/api/3/action/organization_show", {"id": "qz-a", "include_datasets": "true"}).json()[
        "result"]["packages"][1]["name"] == "qz-a-0002"
    missing = client.get("/api/3/action/organization_show", {"id": ""})
    assert missing.status_code == 404 and missing.json()["error"]["__type"] == "Not Found Error"
    listed = client.get("/api/3/action/organization_list").json()["result"]
    assert listed == ["qz-a", "qz-b"]
    full = client.get("/api/3/action/organization_list", {"all_fields": "true", "limit": 1, "offset": 1}).json()
    assert [(o["name"], o["package_count"]) for o in full["result"]] == [("qz-b", 1)]
    bad = client.get("/api/3/action/organization_list", {"sort": "secret"})
    assert bad.status_code == 400 and bad.json()["success"] is False


def test_public_reads_are_access_logged(client, catalog, unit_a):
    """Anonymous reads of the open catalog are traceable too (QZ §八(四)): 查询 and 访问 rows, producer units kept."""
    start = AccessLog.objects.count()
    client.get("/api/3/action/package_show", {"id": "qz-a-0001"}, REMOTE_ADDR="203.0.113.9")
    client.get("/api/3/action/package_search", {"fq": "organization:qz-a"})
    show, found = AccessLog.objects.order_by("pk")[start:]
    assert (show.user_name, show.client_ip, show.action, show.object_id) == ("匿名公众", "203.0.113.9", "access",
                                                                             str(catalog["a1"].pk))
    assert show.producer_unit_ids == [unit_a.pk]
    assert (found.action, found.result_count, found.object_ids) == ("query", 2, [catalog["a1"].pk, catalog["a2"].pk])
    assert found.query.startswith("/api/3/action/package_search?fq=organization")


def test_search_query_count_does_not_grow_with_the_catalog(client, catalog, make_entry, unit_a, user_a,
                                                          city_authority, django_assert_max_num_queries):
    for i in range(12):
        make_entry(unit_a, user_a, code=f"QZ-A-1{i:03d}", title=f"批量开放目录{i}", open_type=OpenType.OPEN,
                   keywords="批量", status=EntryStatus.PUBLISHED, authority=city_authority)
    with django_assert_max_num_queries(8):
        status, data = search(client, fq="tags:批量", rows=50, **{"facet.field": '["organization","tags"]'})
    assert status == 200 and data["result"]["count"] == 12
