"""Public (non-admin) pages of 政务信息化项目与采购, mounted at the site root."""

app_name = "procurement"
urlpatterns: list = []
