"""Public (non-admin) pages of 政务数据资源目录, mounted at the site root."""

app_name = "catalogs"
urlpatterns: list = []
