"""/api/v1/: kernel endpoints, each domain app's API under its name, schema and docs (assets served locally)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api.routers import PortalRouter
from portal.api.views import EnterpriseViewSet, OrganizationViewSet

router = PortalRouter()
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("catalogs/", include("catalogs.api")),
    path("sharing/", include("sharing.api")),
    path("subsidies/", include("subsidies.api")),
    path("procurement/", include("procurement.api")),
    path("", include(router.urls)),
]
