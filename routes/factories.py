import wagtail_factories

from routes.models import RouteIndexPage


class RouteIndexPageFactory(wagtail_factories.PageFactory):
    title = "线路"
    slug = "routes"

    class Meta:
        model = RouteIndexPage
