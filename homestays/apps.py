from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HomestaysConfig(AppConfig):
    name = "homestays"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("民宿")

    def ready(self):
        from wagtail.permissions import register_permission_policy

        from homestays import demo, ical, layers, licences, views
        from homestays.models import NEARBY_ROUTES_KM, HomestayIndexPage, HomestayPage, Inquiry
        from homestays.permissions import InquiryPermissionPolicy
        from homestays.workflow import REVIEW
        from portal.registry import DemoSection, Layer, registry

        registry.register_page_views(HomestayIndexPage, context=views.index_context)
        registry.register_page_views(
            HomestayPage,
            context=views.homestay_context,
            inquire=views.inquire,
            inquiry_sent=views.inquiry_sent,
            availability_ics=ical.availability_response,
        )
        registry.register_demo("homestays", demo.load, order=20)
        registry.register_scale("homestays", "homestays in all (listings with rooms, around the rural counties)", demo.load_scale, order=20)
        registry.register_demo_section(DemoSection("homestays", demo.SECTION_EN, demo.home_blocks, map_layers=("homestays",)))
        registry.register_demo_translation("homestays", demo.load_english, order=20)
        registry.register_layer(
            Layer(
                "homestays",
                pgettext_lazy("map layer", "民宿"),
                features=layers.homestay_features,
                models=("homestays.HomestayPage",),
                keys_of=layers.homestay_keys,
                grows=True,
                features_for=layers.homestay_features,
                colour="#8a5a2b",
                order=30,
                near_listing="homestays.HomestayIndexPage",  # /homestays/?near=塔尔寺
                kinds={"homestay": _("民宿")},
                glyph="宿",
                kind_glyphs={"homestay": "宿"},
                select=layers.select_listings,  # the index's filters: ?county=&checkin=&route=…
            )
        )
        registry.register_home_section("homestays.HomestayIndexPage")
        registry.register_place_page("homestays.HomestayPage")  # a route stop may link to the house there
        registry.register_search_type("homestays", _("民宿"), ("homestays.HomestayPage",), order=20)
        # A homestay page lists the routes within NEARBY_ROUTES_KM of the house.
        registry.register_nearby("homestays", ("routes",), km=NEARBY_ROUTES_KM)
        registry.register_collection("featured_homestays", _("河湟精品民宿推荐"), layers.featured_homestays)
        register_permission_policy(Inquiry, InquiryPermissionPolicy(Inquiry))
        # A verified licence is a badge on its listing (in every language).
        registry.register_dependents("homestays.Licence", licences.licence_pages)
        REVIEW.attach_to_new(HomestayIndexPage)
