"""The open part of the catalog as DCAT-AP 3 (Turtle, JSON-LD). Validated against the official shapes in tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, XSD

from catalogs.models import CatalogEntry, OpenType, ServiceInterface, UpdateFrequency

SHAPES_DIR = Path(__file__).parent / "shapes"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")

# 开放类型 → EU access-right vocabulary (普遍开放 = PUBLIC, 授权开放 = RESTRICTED); 不予开放 is never exported.
ACCESS_RIGHTS = {OpenType.OPEN: EU_ACCESS.PUBLIC, OpenType.AUTHORIZED: EU_ACCESS.RESTRICTED}
FREQUENCIES = {
    UpdateFrequency.REALTIME: EU_FREQ.CONT, UpdateFrequency.DAILY: EU_FREQ.DAILY,
    UpdateFrequency.WEEKLY: EU_FREQ.WEEKLY, UpdateFrequency.MONTHLY: EU_FREQ.MONTHLY,
    UpdateFrequency.QUARTERLY: EU_FREQ.QUARTERLY, UpdateFrequency.YEARLY: EU_FREQ.ANNUAL,
    UpdateFrequency.ON_CHANGE: EU_FREQ.IRREG,
}
CATALOG_TITLE = "泉州市政务数据开放目录"
CATALOG_DESCRIPTION = "泉州市政务数据资源目录中可向社会开放（普遍开放、授权开放）的部分，按 DCAT-AP 3 发布。"


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def build_graph(entries: Iterable[CatalogEntry], base_url: str) -> Graph:
    """DCAT-AP graph of ``entries`` (expects source_unit selected); ``base_url`` like ``https://host``."""
    base = base_url.rstrip("/")
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dct", DCTERMS)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)
    catalog = URIRef(f"{base}/catalog")
    publisher = URIRef(f"{base}/catalog/publisher")
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, zh(CATALOG_TITLE)))
    g.add((catalog, DCTERMS.description, zh(CATALOG_DESCRIPTION)))
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, URIRef(f"{base}/")))
    g.add((URIRef(f"{base}/"), RDF.type, FOAF.Document))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, zh("泉州市数据管理局")))
    for uri in set(ACCESS_RIGHTS.values()):
        g.add((uri, RDF.type, DCTERMS.RightsStatement))
    for uri in set(FREQUENCIES.values()):
        g.add((uri, RDF.type, DCTERMS.Frequency))
    agents: set[int] = set()
    for entry in entries:
        ds = URIRef(f"{base}/catalog/dataset/{entry.code}")
        unit = entry.source_unit
        agent = URIRef(f"{base}/catalog/organization/{unit.code}")
        if unit.pk not in agents:
            agents.add(unit.pk)
            g.add((agent, RDF.type, FOAF.Agent))
            g.add((agent, FOAF.name, zh(unit.name)))
        g.add((catalog, DCAT.dataset, ds))
        g.add((ds, RDF.type, DCAT.Dataset))
        g.add((ds, DCTERMS.identifier, Literal(entry.code)))
        g.add((ds, DCTERMS.title, zh(entry.title)))
        g.add((ds, DCTERMS.description, zh(entry.description.strip() or entry.title)))
        g.add((ds, DCTERMS.publisher, agent))
        g.add((ds, DCTERMS.accessRights, ACCESS_RIGHTS[entry.open_type]))
        g.add((ds, DCTERMS.accrualPeriodicity, FREQUENCIES[entry.update_frequency]))
        g.add((ds, DCTERMS.modified, Literal(entry.updated_at.isoformat(), datatype=XSD.dateTime)))
        for word in entry.keywords.replace("、", ",").replace("，", ",").split(","):
            if word.strip():
                g.add((ds, DCAT.keyword, zh(word.strip())))
        contact = BNode()
        g.add((ds, DCAT.contactPoint, contact))
        g.add((contact, RDF.type, VCARD.Kind))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, zh(unit.name)))
        dist = URIRef(f"{ds}#distribution")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCAT.accessURL, URIRef(f"{base}/api/3/action/package_show?id={entry.code}")))
        g.add((dist, DCTERMS.title, zh(f"{entry.title}（{entry.get_open_type_display()}）")))
        for iface in _published_interfaces(entry):
            service = URIRef(f"{ds}#service-{iface.pk}")
            g.add((catalog, DCAT.service, service))
            g.add((dist, DCAT.accessService, service))
            g.add((service, RDF.type, DCAT.DataService))
            g.add((service, DCTERMS.title, zh(f"{iface.name}（{iface.get_kind_display()}）")))
            g.add((service, DCAT.endpointURL, URIRef(iface.endpoint.strip())))
            g.add((service, DCAT.servesDataset, ds))
            g.add((service, DCTERMS.accessRights, ACCESS_RIGHTS[entry.open_type]))
            g.add((service, DCTERMS.publisher, agent))
        rights = BNode()
        g.add((dist, DCTERMS.rights, rights))
        g.add((rights, RDF.type, DCTERMS.RightsStatement))
        basis = entry.legal_basis.strip() or "无"
        g.add((rights, RDFS.label, zh(f"开放类型：{entry.get_open_type_display()}；共享类型：{entry.get_share_type_display()}；"
                                      f"依据：{basis}")))
    return g


def _published_interfaces(entry: CatalogEntry) -> list[ServiceInterface]:
    """Active interfaces with an absolute http(s) endpoint, spec and call instructions (QZ §二(三)) become
    dcat:DataService nodes; expects ``interfaces`` prefetched (active only) or reads them."""
    return [i for i in entry.interfaces.all() if i.retired_at is None and i.has_spec
            and i.endpoint.strip().lower().startswith(("https://", "http://")) and " " not in i.endpoint.strip()]


def shapes_graph() -> Graph:
    shapes = Graph()
    for name in ("dcat-ap-3.0.0-shapes.ttl", "dcat-ap-3.0.0-range.ttl"):
        shapes.parse(SHAPES_DIR / name, format="turtle")
    return shapes
