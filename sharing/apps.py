from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "数据共享与开放"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Catalog changes reach the live grants (docs/adr/0205): connect the catalog-impact service."""
        from portal.hooks import connect
        from sharing.services import catalog_impact

        connect("catalogs.entry.published", catalog_impact.on_entry_published)
        connect("catalogs.entry.retired", catalog_impact.on_entry_retired)
