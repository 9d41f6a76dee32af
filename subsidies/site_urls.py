"""Applicant-site pages (public site at /) of the subsidies app; views in subsidies/site_views.py."""

urlpatterns: list = []
