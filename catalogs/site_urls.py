"""Applicant-site pages (public site at /) of the catalogs app; views in catalogs/site_views.py."""

from django.urls import path

from catalogs import site_views

urlpatterns = [
    path("open-data/", site_views.open_catalog, name="open_catalog"),
    # before the entry page: an entry code never starts with “organizations/”
    path("open-data/organizations/", site_views.open_organizations, name="open_organizations"),
    path("open-data/organizations/<str:code>/", site_views.open_organization, name="open_organization"),
    path("open-data/<str:code>/", site_views.open_entry, name="open_entry"),
    path("open-data/<str:code>/changes/", site_views.open_entry_changes, name="open_entry_changes"),
]
