"""Public (non-admin) pages of 政务数据资源目录, mounted at the site root."""

from django.urls import path

from catalogs import views
from catalogs.interop import ckan

app_name = "catalogs"
urlpatterns = [
    path("catalog.ttl", views.catalog_ttl, name="catalog-ttl"),
    path("catalog.jsonld", views.catalog_jsonld, name="catalog-jsonld"),
    path("api/3/action/<str:name>", ckan.action, name="ckan-action"),
    path("api/action/<str:name>", ckan.action, name="ckan-action-unversioned"),  # ckanapi's default path
]
