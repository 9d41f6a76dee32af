"""Public (non-admin) pages of 惠企政策奖补, mounted at the site root."""

from django.urls import path

from subsidies import views

app_name = "subsidies"
urlpatterns = [
    path("subsidies/evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
]
