import factory
import wagtail_factories

from homestays.models import County, Grade, HomestayIndexPage, HomestayPage, HomestayRoom


class HomestayIndexPageFactory(wagtail_factories.PageFactory):
    title = "民宿"
    slug = "homestays"

    class Meta:
        model = HomestayIndexPage


def room(room_type="标准间", price=200, capacity=2, beds="两张1.2米单人床") -> HomestayRoom:
    """An unsaved room for HomestayPageFactory(rooms=[...])."""
    return HomestayRoom(room_type=room_type, price_per_night=price, capacity=capacity, beds=beds)


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


class HomestayPageFactory(wagtail_factories.PageFactory):
    """A listing; pass rooms=[room(...), ...] (unsaved) to give it rooms, as for any ParentalKey."""

    title = factory.Sequence(lambda n: f"测试民宿 {n}")
    slug = factory.Sequence(lambda n: f"homestay-{n}")
    summary = "一家用于测试的民宿。"
    county = County.HUANGZHONG
    grade = Grade.UNRATED
    location = factory.LazyFunction(lambda: point(101.42, 36.66))
    phone = "13912345678"
    rooms = factory.LazyFunction(lambda: [room()])

    class Meta:
        model = HomestayPage
