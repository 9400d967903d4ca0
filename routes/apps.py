from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "routes"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "线路 Routes"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from portal.registry import DemoSection, Layer, registry
        from routes import demo, layers

        registry.register_demo("routes", demo.load, order=10)
        registry.register_demo_section(DemoSection("routes", demo.SECTION_EN, demo.home_blocks, map_layers=("routes",)))
        registry.register_demo_translation("routes", demo.load_english, order=10)
        from routes.models import KIND_LABELS

        registry.register_home_section("routes.RouteIndexPage")
        registry.register_search_type("routes", _("线路"), ("routes.RoutePage",), order=10)
        registry.register_layer(
            Layer(
                "routes",
                _("路线"),
                features=layers.route_features,
                models=("routes.RoutePage",),
                colour="#c2410c",
                order=10,
                kinds={"route": _("路线")},
                glyph="线",
            )
        )
        registry.register_layer(
            # places=True: the stops (sights, villages, towns) are what "near 塔尔寺" is measured from.
            Layer(
                "stops",
                _("沿线站点"),
                features=layers.stop_features,
                models=("routes.RoutePage",),
                colour="#2b5c8a",
                order=20,
                places=True,
                kinds={"stop": _("站点"), **KIND_LABELS},
                glyph="点",
                kind_glyphs={"stop": "点", "village": "村", "scenic": "景", "heritage": "寺", "farm": "园", "museum": "馆", "service": "服"},
            )
        )
        registry.register_collection("routes", _("三条精品线路"), layers.featured_routes)
        # A route page lists the homestays, products and service stations within its own radius of its line.
        registry.register_nearby("routes", ("homestays", "products", "stations"), km=lambda feature: feature["properties"].get("nearby_km") or 5)
        registry.register_dependents("*", layers.routes_linking)

        from routes import cover_views  # noqa: F401 - registers "从线路生成封面" (admin URL and page-header button)
