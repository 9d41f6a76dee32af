from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "基础信息与权限"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import auth, roles, schedules  # noqa: F401  (signal registration)
        from portal.api import schema  # noqa: F401  (OpenAPI auth extensions)
        from portal.workflow import install_guards

        install_guards()  # a declared record's state changes only through Workflow.apply

        # Not limited to this app's signal: the groups must be rebuilt after the *last* app's permissions exist.
        post_migrate.connect(roles.ensure_roles_after_migrate, dispatch_uid="portal_ensure_roles")
        post_migrate.connect(schedules.ensure_schedules_after_migrate, sender=self)
