"""REST API for 数据共享与开放, mounted at /api/v1/sharing/. Views are thin: they call the services and selectors."""

from portal.api.routers import PortalRouter
from sharing.api.applications import ShareApplicationViewSet
from sharing.api.authorizations import AuthorizationViewSet, UsageRecordViewSet, WebhookSubscriptionViewSet
from sharing.api.open_data import OpenDataApplicationViewSet, OpenDataGrantViewSet

router = PortalRouter()
router.register("applications", ShareApplicationViewSet, basename="share-application")
router.register("authorizations", AuthorizationViewSet, basename="authorization")
router.register("usage-records", UsageRecordViewSet, basename="usage-record")
router.register("webhook-subscriptions", WebhookSubscriptionViewSet, basename="webhook-subscription")
router.register("open-applications", OpenDataApplicationViewSet, basename="open-application")
router.register("open-grants", OpenDataGrantViewSet, basename="open-grant")
urlpatterns = router.urls
