from django.apps import AppConfig


class CatalogsConfig(AppConfig):
    name = "catalogs"
    verbose_name = "政务数据资源目录"
    default_auto_field = "django.db.models.BigAutoField"
