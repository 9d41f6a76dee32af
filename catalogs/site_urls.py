"""Applicant-site pages (public site at /) of the catalogs app; views in catalogs/site_views.py."""

from django.urls import path

from catalogs import site_views

urlpatterns = [
    path("open-data/", site_views.open_catalog, name="open_catalog"),
    path("open-data/<str:code>/", site_views.open_entry, name="open_entry"),
]
