"""Applicant-site pages (public site at /) of the sharing app; views in sharing/site_views.py."""

urlpatterns: list = []
