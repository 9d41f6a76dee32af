"""Admin add form for share applications: scoped autocomplete for entries and data items, and the create path with
the uploaded requirements document and technical plan of a cross-verification request."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogs.models import CatalogEntry, EntryStatus
from sharing.models import ShareApplication
from sharing.workflow import Status

BASE = {"kind": "ordinary", "business_matter": "企业开办一件事", "application_scenario": "核验股东身份",
        "information_system": "一窗受理系统", "purpose": "核验", "service_mode": "cross_verification",
        "requested_from_on": "2026-10-01", "requested_until_on": "2027-10-01", "source_location": "city_platform",
        "interface_kind": "", "bulk_justification": "", "system_mlps_level": "", "scope_conditions": "",
        "legal_basis": "", "producer_opinions-TOTAL_FORMS": "0", "producer_opinions-INITIAL_FORMS": "0",
        "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0"}


def test_autocomplete_lists_requestable_entries_and_items_only(world, clock, client):
    published = world.entry("AC-PUB", world.unit_b)
    world.entry("AC-DRAFT", world.unit_b, status=EntryStatus.DRAFT)
    for i in range(25):
        world.entry(f"AC-{i:02d}", world.unit_b, items=("字段",))
    client.force_login(world.user_a)
    entries_url = reverse("admin:sharing_autocomplete_entries")
    data = client.get(entries_url, {"term": "AC-"}).json()
    codes = [r["text"].split()[0] for r in data["results"]]
    assert len(codes) == 20 and data["pagination"]["more"] and "AC-DRAFT" not in codes
    data = client.get(entries_url, {"term": "AC-", "page": 2}).json()
    assert len(data["results"]) == 6 and not data["pagination"]["more"]  # AC-PUB + 25, not the draft
    data = client.get(entries_url, {"term": "目录AC-PUB"}).json()
    assert data["results"] == [{"id": str(published.pk), "text": "AC-PUB 目录AC-PUB（无条件共享）"}]
    items_url = reverse("admin:sharing_autocomplete_items")
    other = CatalogEntry.objects.get(code="AC-03")
    items = client.get(items_url, {"term": "", "entries": f"{published.pk}"}).json()["results"]
    assert [r["text"] for r in items] == ["AC-PUB 目录AC-PUB · 名称", "AC-PUB 目录AC-PUB · 代码",
                                          "AC-PUB 目录AC-PUB · 联系电话"]
    # only the items of the chosen entries: none before an entry is chosen, both entries' when two are
    assert client.get(items_url, {"term": "AC-PUB"}).json()["results"] == []
    both = client.get(items_url, {"entries": f"{published.pk},{other.pk}"}).json()["results"]
    assert {r["text"].split()[0] for r in both} == {"AC-PUB", "AC-03"} and len(both) == 4
    draft = CatalogEntry.objects.get(code="AC-DRAFT")
    assert client.get(items_url, {"entries": str(draft.pk)}).json()["results"] == []
    client.force_login(world.auditor)  # may read applications but not draft them
    assert client.get(entries_url, {"term": "AC"}).status_code == 403
    # the add form renders the autocomplete widgets, not every published entry as an option
    client.force_login(world.user_a)
    page = client.get(reverse("admin:sharing_shareapplication_add")).content.decode()
    assert f'data-ajax--url="{entries_url}"' in page
    assert f'data-ajax--url="{reverse("admin:sharing_autocomplete_items")}"' in page
    assert "目录AC-07" not in page
    assert 'data-entries-field="id_entries"' in page and "sharing/item_picker.js" in page


def test_admin_creates_cross_verification_draft_with_uploaded_documents(world, clock, client):
    entry = world.entry("CV1", world.unit_b)
    items = list(entry.items.order_by("sort_order")[:2])
    client.force_login(world.user_a)
    url = reverse("admin:sharing_shareapplication_add")
    form = {**BASE, "applicant_unit": world.unit_a.pk, "entries": [entry.pk], "data_items": [i.pk for i in items]}
    response = client.post(url, {**form, "requirements_doc": SimpleUploadedFile("需求说明.pdf", b"%PDF-1.4 req")})
    assert response.status_code == 200 and "须上传技术方案" in response.content.decode()
    assert not ShareApplication.objects.exists()
    response = client.post(url, {**form, "requirements_doc": SimpleUploadedFile("需求说明.pdf", b"%PDF-1.4 req"),
                                 "technical_plan": SimpleUploadedFile("技术方案.pdf", b"%PDF-1.4 plan")})
    assert response.status_code == 302, response.content.decode()[-2000:]
    app = ShareApplication.objects.get()
    assert (app.status, app.applicant_unit, app.applicant_user) == (Status.DRAFT, world.unit_a, world.user_a)
    assert set(app.data_items.all()) == set(items) and list(app.entries.all()) == [entry]
    with app.requirements_doc.open("rb") as f:
        assert f.read() == b"%PDF-1.4 req"
    with app.technical_plan.open("rb") as f:
        assert f.read() == b"%PDF-1.4 plan"
    # the draft is edited through the same form (read-only inlines present, nothing saved through them)
    change = reverse("admin:sharing_shareapplication_change", args=[app.pk])
    response = client.post(change, {**form, "purpose": "核验股东身份与任职资格", "producer_opinions-TOTAL_FORMS": "0",
                                    "producer_opinions-INITIAL_FORMS": "0", "steps-TOTAL_FORMS": "0",
                                    "steps-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    app.refresh_from_db()
    assert app.purpose == "核验股东身份与任职资格" and app.requirements_doc  # the upload is kept
    # the unit B admin cannot create in unit A's name through the same form
    client.force_login(world.user_b)
    response = client.post(url, {**form, "requirements_doc": SimpleUploadedFile("a.pdf", b"x"),
                                 "technical_plan": SimpleUploadedFile("b.pdf", b"y")})
    assert response.status_code == 200 and ShareApplication.objects.count() == 1
