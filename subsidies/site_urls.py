"""Applicant-site pages (public site at /) of the subsidies app; views in subsidies/site_views.py."""

from django.urls import path

from subsidies import site_views

urlpatterns = [
    path("policies/", site_views.policy_list, name="policy_list"),
    path("policies/<str:code>/", site_views.rule_detail, name="rule_detail"),
    path("calls/<int:call_id>/apply/", site_views.application_start, name="application_start"),
    path("applications/", site_views.my_applications, name="my_applications"),
    path("applications/<int:pk>/", site_views.application_detail, name="application_detail"),
    path("applications/<int:pk>/facts/", site_views.application_edit, name="application_edit"),
    path("applications/<int:pk>/evidence/", site_views.evidence_upload, name="evidence_upload"),
    path("applications/<int:pk>/submit/", site_views.application_submit, name="application_submit"),
    path("applications/<int:pk>/resubmit/", site_views.application_resubmit, name="application_resubmit"),
    path("applications/<int:pk>/withdraw/", site_views.application_withdraw, name="application_withdraw"),
    path("applications/<int:pk>/decision/", site_views.application_decision, name="application_decision"),
    path("pushes/<int:pk>/", site_views.candidate_detail, name="candidate_detail"),
    path("pushes/<int:pk>/confirm/", site_views.candidate_confirm_view, name="candidate_confirm"),
    path("pushes/<int:pk>/decline/", site_views.candidate_decline_view, name="candidate_decline"),
]
