from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "数据共享与开放"
    default_auto_field = "django.db.models.BigAutoField"
