"""Public (non-admin) pages of 数据共享与开放, mounted at the site root."""

app_name = "sharing"
urlpatterns: list = []
