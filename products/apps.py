from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "products"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from portal.registry import registry
        from products import demo

        registry.register_demo("products", demo.load, order=30)
