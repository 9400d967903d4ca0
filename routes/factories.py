import factory
import wagtail_factories

from routes.models import RouteIndexPage, RoutePage, RouteStop


class RouteIndexPageFactory(wagtail_factories.PageFactory):
    title = "线路"
    slug = "routes"

    class Meta:
        model = RouteIndexPage


def straight_line(start=(101.5671, 36.4901), end=(101.50, 36.66), points=12, ele=(2650.0, 2320.0)):
    """A LineString with elevations from start to end, for tests and factories."""
    (lon1, lat1), (lon2, lat2) = start, end
    coords = []
    for i in range(points):
        t = i / (points - 1)
        coords.append([round(lon1 + (lon2 - lon1) * t, 6), round(lat1 + (lat2 - lat1) * t, 6), round(ele[0] + (ele[1] - ele[0]) * t, 1)])
    return {"type": "LineString", "coordinates": coords}


class RoutePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"测试线路 {n}")
    slug = factory.Sequence(lambda n: f"route-{n}")
    summary = "一条用于测试的线路。"
    colour = "#c2410c"
    theme = "agriculture"
    geometry = factory.LazyFunction(straight_line)
    duration = "一日游"
    best_months = factory.LazyFunction(lambda: [6, 7, 8])

    class Meta:
        model = RoutePage


class RouteStopFactory(factory.django.DjangoModelFactory):
    page = factory.SubFactory(RoutePageFactory)
    name = factory.Sequence(lambda n: f"站点 {n}")
    kind = "village"
    location = factory.LazyFunction(lambda: {"type": "Point", "coordinates": [101.5671, 36.4901]})
    location_checked = True
    description = "测试站点。"
    altitude_m = 2650
    sort_order = factory.Sequence(lambda n: n)

    class Meta:
        model = RouteStop
