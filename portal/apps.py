from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "门户 Portal"

    def ready(self):
        from portal import signals  # noqa: F401
        from portal.cache import connect_signals

        connect_signals()
