from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = "惠企政策奖补"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.hooks import connect
        from subsidies.services.catalog import sync_after_migrate
        from subsidies.services.facts import on_submission_accepted

        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="subsidies_rules_sync")
        connect("catalogs.submission.accepted", on_submission_accepted)
