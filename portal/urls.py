from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views
from portal.forms import LoginForm

# Django's auth views put the host name in ``site_name``; the pages show the portal's name instead.
PORTAL_NAME = {"site_name": settings.PORTAL_SITE_NAME}

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("portal.api.urls")),
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm, extra_context=PORTAL_NAME),
         name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register, name="register"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(
        extra_context=PORTAL_NAME, extra_email_context=PORTAL_NAME), name="password_reset"),
    path("accounts/password-reset/done/", auth_views.PasswordResetDoneView.as_view(extra_context=PORTAL_NAME),
         name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(extra_context=PORTAL_NAME),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(extra_context=PORTAL_NAME),
         name="password_reset_complete"),
    path("files/<slug:app_label>/<slug:model_name>/<int:pk>/<slug:field>/", views.file_download, name="file_download"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("accounts/organisation/", views.organisation, name="organisation"),
    path("", include("catalogs.urls")),
    path("", include("sharing.urls")),
    path("", include("procurement.urls")),
    # applicant site (issue 7): public pages per app, namespaced <app>_site
    path("", include(("catalogs.site_urls", "catalogs_site"))),
    path("", include(("sharing.site_urls", "sharing_site"))),
    path("", include(("subsidies.site_urls", "subsidies_site"))),
]

handler400 = "portal.api.errors.bad_request"
handler403 = "portal.api.errors.permission_denied"
handler404 = "portal.api.errors.page_not_found"
handler500 = "portal.api.errors.server_error"
