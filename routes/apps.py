from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "routes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from portal.registry import registry
        from routes import demo

        registry.register_demo("routes", demo.load, order=10)
