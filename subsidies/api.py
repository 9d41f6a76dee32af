"""REST API for 惠企政策奖补, mounted at /api/v1/subsidies/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
