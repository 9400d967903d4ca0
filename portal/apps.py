from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "门户 Portal"

    def ready(self):
        from portal.admin_ux import connect_signals as connect_admin_signals
        from portal.cache import connect_signals
        from portal.search.signals import connect_signals as connect_search_signals
        from portal.uploads import connect_signals as connect_upload_signals

        connect_signals()  # content changes → map layers and the proxy's purges, after commit
        connect_upload_signals()  # GPS location stripped from uploaded photos
        connect_search_signals()  # re-index a page once its inline children (route stops) are saved
        connect_admin_signals()  # workflow decisions say what happened; Chinese names in Chinese order

        from portal import reports  # noqa: F401 - registers the admin report 待替换的演示图片
        from portal.models import MapPage
        from portal.registry import registry
        from portal.views import map_page_context

        registry.register_page_views(MapPage, context=map_page_context)

        registry.register_home_section("portal.MapPage")
        registry.register_home_section("portal.StandardPage")
