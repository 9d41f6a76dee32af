"""REST API for 数据共享与开放, mounted at /api/v1/sharing/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
