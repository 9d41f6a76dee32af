"""REST API for 政务数据资源目录, mounted at /api/v1/catalogs/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
