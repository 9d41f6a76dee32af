"""Public (non-admin) pages of 惠企政策奖补, mounted at the site root."""

app_name = "subsidies"
urlpatterns: list = []
