"""Applicant-site pages (public site at /) of the subsidies app; views in subsidies/site_views.py."""

from django.urls import path

from subsidies import site_views

urlpatterns = [
    path("policies/", site_views.policy_list, name="policy_list"),
    path("applications/", site_views.my_applications, name="my_applications"),
]
