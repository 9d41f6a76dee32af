from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "政务信息化项目与采购"
    default_auto_field = "django.db.models.BigAutoField"
