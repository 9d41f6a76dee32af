"""DCAT-AP 3 export validated with pyshacl; CKAN action API read by the real ckanapi client over live_server."""

from __future__ import annotations

import json

import pytest
from ckanapi import NotFound, RemoteCKAN
from pyshacl import validate
from rdflib import Graph

from catalogs.interop.dcat import shapes_graph
from catalogs.models import EntryStatus, OpenType, ShareType


@pytest.fixture
def open_catalog(make_entry, unit_a, user_a, unit_b, user_b, city_authority):
    pub = dict(status=EntryStatus.PUBLISHED, authority=city_authority)
    return {
        "open": make_entry(unit_a, user_a, code="QZ-GXJ-0001", title="规上工业企业名录", open_type=OpenType.OPEN,
                           keywords="工业,企业名录", **pub),
        "authorized": make_entry(unit_b, user_b, code="QZ-SCJ-0002", title="企业登记信息", open_type=OpenType.AUTHORIZED,
                                 share_type=ShareType.CONDITIONAL, legal_basis="《企业信息公示暂行条例》", **pub),
        "closed": make_entry(unit_a, user_a, code="QZ-GXJ-0003", title="企业用电明细", open_type=OpenType.CLOSED, **pub),
        "not_shared": make_entry(unit_b, user_b, code="QZ-SCJ-0004", title="企业监管内部线索",
                                 share_type=ShareType.NOT_SHARED, legal_basis="某法律第十条", **pub),
        "draft": make_entry(unit_a, user_a, code="QZ-GXJ-0005", title="企业草稿目录", open_type=OpenType.OPEN),
    }


def test_catalog_ttl_conforms_to_dcat_ap3(client, open_catalog):
    response = client.get("/catalog.ttl")
    assert response.status_code == 200
    data = Graph().parse(data=response.content.decode(), format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes_graph(), inference="none", advanced=True)
    assert conforms, report
    text = response.content.decode()
    assert "规上工业企业名录" in text and "企业登记信息" in text
    assert "access-right/PUBLIC" in text and "access-right/RESTRICTED" in text and "企业信息公示暂行条例" in text
    for hidden in ("企业用电明细", "企业监管内部线索", "企业草稿目录"):
        assert hidden not in text


def test_catalog_jsonld(client, open_catalog):
    response = client.get("/catalog.jsonld")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content.decode(), format="json-ld")
    titles = {str(o) for o in graph.objects(None, None) if "企业" in str(o)}
    assert "规上工业企业名录" in titles and "企业监管内部线索" not in titles
    json.loads(response.content)


def test_ckanapi_client_reads_open_catalog(live_server, open_catalog):
    ckan = RemoteCKAN(live_server.url)
    names = ckan.action.package_list()
    assert names == ["qz-gxj-0001", "qz-scj-0002"]
    pkg = ckan.action.package_show(id="QZ-GXJ-0001")
    assert pkg["title"] == "规上工业企业名录" and pkg["organization"]["title"] == "单位甲"
    result = ckan.action.package_search(q="企业", rows=10, start=0)
    assert result["count"] == 2
    assert {r["title"] for r in result["results"]} == {"规上工业企业名录", "企业登记信息"}
    assert ckan.action.package_search(q="企业名录")["count"] == 1
    assert ckan.action.package_search(q="企业", rows=1, start=1)["results"][0]["name"] == "qz-scj-0002"
    assert ckan.action.package_search(q="内部线索")["count"] == 0  # 暂不共享 never appears
    with pytest.raises(NotFound):
        ckan.action.package_show(id="QZ-SCJ-0004")
    with pytest.raises(NotFound):
        ckan.action.package_show(id="QZ-GXJ-0003")  # 不予开放
    assert ckan.action.organization_list() == ["qz-a", "qz-b"]


def test_dcat_data_services_for_published_interfaces(client, open_catalog, make_entry, unit_a, user_a,
                                                     city_authority):
    from rdflib.namespace import DCAT, RDF

    iface = {"name": "名录查询", "kind": "data_query", "endpoint": "https://open.example.gov.cn/api/gyqy",
             "spec": "OpenAPI 3.0", "call_instructions": "HTTPS GET，按页查询"}
    pub = dict(status=EntryStatus.PUBLISHED, authority=city_authority)
    make_entry(unit_a, user_a, code="QZ-GXJ-0101", title="工业园区名录", open_type=OpenType.OPEN,
               interfaces=[iface, {**iface, "name": "无规范接口", "spec": "", "endpoint": "https://x.example/n"},
                           {**iface, "name": "内网接口", "endpoint": "10.0.0.8:8080/api"}], **pub)
    make_entry(unit_a, user_a, code="QZ-GXJ-0102", title="企业能耗明细", open_type=OpenType.CLOSED,
               interfaces=[{**iface, "name": "能耗核验", "endpoint": "https://x.example/energy"}], **pub)
    response = client.get("/catalog.ttl")
    data = Graph().parse(data=response.content.decode(), format="turtle")
    conforms, _, report = validate(data, shacl_graph=shapes_graph(), inference="none", advanced=True)
    assert conforms, report
    services = list(data.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1  # no spec / non-URL endpoint / 不予开放 entry: not published
    service = services[0]
    assert str(data.value(service, DCAT.endpointURL)) == "https://open.example.gov.cn/api/gyqy"
    assert str(data.value(service, DCAT.servesDataset)).endswith("/catalog/dataset/QZ-GXJ-0101")
    assert (None, DCAT.accessService, service) in data and (None, DCAT.service, service) in data
    assert "能耗核验" not in response.content.decode()
