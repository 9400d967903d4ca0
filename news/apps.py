from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "news"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from news import demo
        from portal.registry import registry

        registry.register_demo("news", demo.load, order=40)
