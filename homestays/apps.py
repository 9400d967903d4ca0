from django.apps import AppConfig


class HomestaysConfig(AppConfig):
    name = "homestays"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from homestays import demo
        from portal.registry import registry

        registry.register_demo("homestays", demo.load, order=20)
