"""REST API of 惠企政策奖补, mounted at /api/v1/subsidies/."""

from portal.api.routers import PortalRouter
from subsidies.api.views import (
    ApplicationViewSet,
    AwardViewSet,
    CallViewSet,
    EvidenceViewSet,
    ManualAwardViewSet,
    MatchCandidateViewSet,
    PolicyDocumentViewSet,
    PoolViewSet,
    RuleViewSet,
)

router = PortalRouter()
router.register("documents", PolicyDocumentViewSet, basename="subsidy-document")
router.register("rules", RuleViewSet, basename="subsidy-rule")
router.register("calls", CallViewSet, basename="subsidy-call")
router.register("applications", ApplicationViewSet, basename="subsidy-application")
router.register("evidence", EvidenceViewSet, basename="subsidy-evidence")
router.register("awards", AwardViewSet, basename="subsidy-award")
router.register("pools", PoolViewSet, basename="subsidy-pool")
router.register("manual-awards", ManualAwardViewSet, basename="subsidy-manual-award")
router.register("candidates", MatchCandidateViewSet, basename="subsidy-candidate")
urlpatterns = router.urls
