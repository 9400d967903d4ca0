import factory
import wagtail_factories

from homestays.models import County, Grade, HomestayIndexPage, HomestayPage, HomestayRoom
from portal.factories import make_site


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


def site_with_owners(target) -> None:
    """A site with the 民宿 section, an editor (in the Editors and Moderators groups the migrations
    make) and two owners with no listing yet, set on `target` (a test class in setUpTestData): the
    people every test of the owners' boundary starts from."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    target.home = make_site()
    target.index = HomestayIndexPageFactory(parent=target.home)
    target.editor = User.objects.create_user("editor", email="editor@example.com", password="pw")
    target.editor.groups.add(Group.objects.get(name="Editors"), Group.objects.get(name="Moderators"))
    target.owner1 = User.objects.create_user("owner1", email="owner1@example.com", password="pw", first_name="卓玛")
    target.owner2 = User.objects.create_user("owner2", email="owner2@example.com", password="pw", first_name="海军")
