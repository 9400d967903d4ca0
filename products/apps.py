from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductsConfig(AppConfig):
    name = "products"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("河湟田源")

    def ready(self):
        from portal.registry import DemoSection, Layer, registry
        from products import demo, layers, views
        from products.models import NEARBY_KM, ProductIndexPage, ProductPage

        registry.register_page_views(ProductIndexPage, context=views.index_context, stations=views.stations_context, station=views.station_context)
        registry.register_page_views(ProductPage, context=views.product_context)
        registry.register_demo("products", demo.load, order=30)
        registry.register_scale("stations", "e-commerce service stations in all (village, township, county)", demo.load_scale_stations, order=30)
        registry.register_scale("products", "products in all (each from one or two villages)", demo.load_scale_products, order=31)
        registry.register_demo_section(DemoSection("products", demo.SECTION_EN, demo.home_blocks, map_layers=()))
        registry.register_demo_translation("products", demo.load_english, order=30)
        registry.register_layer(
            Layer(
                "products",
                _("特产产地"),
                features=layers.product_features,
                models=("products.ProductPage",),
                keys_of=layers.object_keys,
                grows=True,
                features_for=layers.product_features,
                colour="#15803d",
                order=40,
                kinds={"product": _("特产")},
                glyph="产",
                kind_glyphs={"product": "产"},
                select=layers.select_products,  # the index's filters: ?category=&county=…
            )
        )
        registry.register_layer(
            Layer(
                "stations",
                _("电商服务站"),
                features=layers.station_features,
                models=("products.ServiceStation",),
                keys_of=layers.object_keys,
                grows=True,
                features_for=layers.station_features,
                colour="#7c3aed",
                order=50,
                kinds={"station": _("服务站")},
                glyph="站",
                kind_glyphs={"station": "站"},
            )
        )
        registry.register_home_section("products.ProductIndexPage")
        registry.register_place_page("products.ProductPage")  # a route stop may link to the product made there
        registry.register_search_type("products", _("产品"), ("products.ProductPage",), order=30)
        registry.register_collection("featured_products", _("河湟田源推荐产品"), layers.featured_products)
        # What shows what, for the page cache's purges (portal.cache).
        registry.register_nearby("products", ("routes", "homestays"), km=NEARBY_KM)
        registry.register_dependents("products.ProductPage", layers.product_station_pages)
        registry.register_dependents("products.Producer", layers.producer_pages)
        registry.register_dependents("products.ServiceStation", layers.station_pages)
        registry.register_dependents("products.VillageProduct", layers.village_pages)
