import factory
import wagtail_factories

from portal.geo import point
from products.models import (
    Category,
    County,
    Producer,
    ProducerKind,
    ProductIndexPage,
    ProductOrigin,
    ProductPage,
    ServiceStation,
    StationLevel,
    VillageProduct,
)


class ProductIndexPageFactory(wagtail_factories.PageFactory):
    title = "河湟田源"
    slug = "products"

    class Meta:
        model = ProductIndexPage


class ProducerFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"示例合作社{n}")
    kind = ProducerKind.COOPERATIVE
    county = County.HUANGZHONG
    township = "拦隆口镇"
    location = factory.LazyFunction(lambda: point(101.45, 36.70))

    class Meta:
        model = Producer


class ServiceStationFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"示例服务站{n}")
    level = StationLevel.TOWNSHIP
    county = County.DATONG
    township = "桥头镇"
    location = factory.LazyFunction(lambda: point(101.68, 36.93))

    class Meta:
        model = ServiceStation


class VillageProductFactory(factory.django.DjangoModelFactory):
    village = factory.Sequence(lambda n: f"示例村{n}")
    county = County.DATONG
    products = "当归"
    location = factory.LazyFunction(lambda: point(101.84, 36.98))

    class Meta:
        model = VillageProduct


def origin(village="卡阳村", county=County.HUANGZHONG, lon=101.42, lat=36.66, **kwargs) -> ProductOrigin:
    return ProductOrigin(village=village, county=county, location=point(lon, lat), **kwargs)


class ProductPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"示例产品{n}")
    summary = "高原好物"
    category = Category.GRAIN_OIL
    season_months = factory.LazyFunction(lambda: list(range(1, 13)))
    origins = factory.LazyFunction(lambda: [origin()])

    class Meta:
        model = ProductPage
