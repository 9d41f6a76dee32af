from django.apps import AppConfig


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "政务信息化项目与采购"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Answer the kernel's integrity question with the 不良行为记录 in force (the subsidies review's 交叉核查)."""
        from portal.hooks import connect
        from procurement.selectors import bad_conduct_in_force

        connect("portal.enterprise.integrity", bad_conduct_in_force)
