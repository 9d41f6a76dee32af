from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = "惠企政策奖补"
    default_auto_field = "django.db.models.BigAutoField"
