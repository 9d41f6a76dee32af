"""Applicant-site pages (public site at /) of the sharing app; views in sharing/site_views.py."""

from django.urls import path

from sharing import site_views

urlpatterns = [
    path("open-applications/", site_views.open_applications, name="open_applications"),
    path("open-applications/new/", site_views.open_application_create, name="open_application_create"),
    path("open-applications/<int:pk>/", site_views.open_application_detail, name="open_application_detail"),
    path("open-applications/<int:pk>/submit/", site_views.open_application_submit, name="open_application_submit"),
    path("open-applications/<int:pk>/withdraw/", site_views.open_application_withdraw,
         name="open_application_withdraw"),
]
