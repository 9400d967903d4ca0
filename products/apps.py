from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "products"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("河湟田源 Products")

    def ready(self):
        from portal.registry import Layer, registry
        from products import demo, layers

        registry.register_demo("products", demo.load, order=30)
        registry.register_layer(
            Layer(
                "products",
                _("特产产地"),
                features=layers.product_features,
                models=("products.ProductPage",),
                colour="#15803d",
                order=40,
            )
        )
        registry.register_layer(
            Layer(
                "stations",
                _("电商服务站"),
                features=layers.station_features,
                models=("products.ServiceStation",),
                colour="#7c3aed",
                order=50,
            )
        )
        registry.register_collection("featured_products", _("河湟田源推荐产品"), layers.featured_products)
