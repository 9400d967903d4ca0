import wagtail_factories
from wagtail.models import Locale, Page, Site

from portal.models import HomePage, MapPage, PortalSettings, StandardPage


class HomePageFactory(wagtail_factories.PageFactory):
    title = "西宁乡村文旅门户"
    slug = "home"
    intro = "河湟谷地的乡村旅游"

    class Meta:
        model = HomePage


class MapPageFactory(wagtail_factories.PageFactory):
    title = "地图"
    slug = "map"

    class Meta:
        model = MapPage


class StandardPageFactory(wagtail_factories.PageFactory):
    title = "关于我们"

    class Meta:
        model = StandardPage


def make_site(**home_kwargs) -> HomePage:
    """A HomePage under the tree root, served as the default site; reused by every app's tests."""
    root = Page.get_first_root_node()
    Locale.get_default()
    for child in root.get_children():
        if child.specific_class is Page:
            child.delete()
    home = HomePageFactory(parent=root, **home_kwargs)
    site, _ = Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "西宁乡村文旅门户"}
    )
    PortalSettings.for_site(site)  # created up front, as load_demo does, not lazily mid-request
    return home
