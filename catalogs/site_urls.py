"""Applicant-site pages (public site at /) of the catalogs app; views in catalogs/site_views.py."""

urlpatterns: list = []
