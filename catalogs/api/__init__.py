"""REST API for 政务数据资源目录, mounted at /api/v1/catalogs/."""

from catalogs.api.collection import SubmissionViewSet, TaskViewSet
from catalogs.api.entries import EntryViewSet
from catalogs.api.issues import CorrectionViewSet, InterfaceRequestViewSet
from portal.api.routers import PortalRouter

router = PortalRouter()
router.register("entries", EntryViewSet, basename="catalog-entry")
router.register("tasks", TaskViewSet, basename="collection-task")
router.register("submissions", SubmissionViewSet, basename="collection-submission")
router.register("corrections", CorrectionViewSet, basename="data-correction")
router.register("interface-requests", InterfaceRequestViewSet, basename="interface-request")
urlpatterns = router.urls
