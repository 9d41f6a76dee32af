"""REST API for 政务信息化项目与采购, mounted at /api/v1/procurement/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
