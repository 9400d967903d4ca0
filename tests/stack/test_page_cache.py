"""The page cache as visitors, editors and owners meet it: through Varnish, over HTTP (issue 19).

Each test names what it proves; the stack is tests/stack/conftest.py (make serve's, on free ports).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import requests

pytestmark = pytest.mark.stack

USERBAR = "wagtail-userbar"


def warm(stack, path: str, session=None) -> requests.Response:
    """Until Varnish answers the path from its cache (a second request at most, normally)."""
    for _ in range(5):
        response = stack.get(path, session=session)
        if response.headers.get("X-Cache") == "HIT":
            return response
    pytest.fail(f"{path} is never a cache hit: {response.status_code} {response.headers}")


def test_anonymous_pages_are_cached_and_revalidated(stack):
    page = stack.data["pages"][0]
    first = stack.get(page["path"])
    assert first.status_code == 200 and page["intro"] in first.text
    hit = warm(stack, page["path"])
    assert hit.text == first.text
    assert "s-maxage" not in hit.headers["Cache-Control"], "the shared cache's lifetime is not the browser's"
    not_modified = stack.get(page["path"], headers={"If-None-Match": hit.headers["ETag"]})
    assert not_modified.status_code == 304


@pytest.mark.parametrize("who", ["editor", "owner"])
@pytest.mark.parametrize("before", ['prefs={"theme":"dark"}', "city=西宁", "a=b c"])
def test_signed_in_pages_are_never_stored(stack, who, before):
    """A cookie Django accepts but a strict parser would not, placed before sessionid, must not
    hide the session: the signed-in page (with the Wagtail user bar) never reaches anyone else."""
    path = stack.data["pages"][1]["path"]
    signed_in = stack.sign_in(who)
    cookie = f"{before}; sessionid={signed_in.cookies['sessionid']}"
    for _ in range(3):
        mine = requests.get(stack.url + path, headers={"Cookie": cookie.encode()}, allow_redirects=False, timeout=20)
        assert mine.status_code == 200
        assert USERBAR in mine.text, "Django did not see the session: the test would prove nothing"
        assert mine.headers["X-Cache"] == "PASS"
        assert "private" in mine.headers["Cache-Control"]
        anonymous = stack.get(path)
        assert USERBAR not in anonymous.text, f"{who}'s page was served to an anonymous visitor"


def test_tracking_parameters_share_one_cached_copy(stack):
    """50 WeChat/campaign links to one page cost one render."""
    path = stack.data["pages"][2]["path"]
    caches = [stack.get(f"{path}?utm_source=wechat-{n}&from=singlemessage&isappinstalled=0").headers["X-Cache"] for n in range(50)]
    assert caches.count("MISS") == 1 and caches.count("HIT") == 49, caches
    assert stack.get(path + "?page=2").headers["X-Cache"] == "MISS", "real parameters are part of the key"


def test_unpublished_page_is_gone_as_soon_as_the_editor_is_told(stack):
    """20 unpublishes while 6 threads keep reading the page: once the admin's unpublish request has
    returned, no read gets the page (a read that began before may still get it)."""
    editor = stack.sign_in("editor")
    failures = []
    for page in stack.data["pages"][4:24]:
        warm(stack, page["path"])
        done = threading.Event()
        returned = []  # the moment the unpublish request returned
        reads = []  # (started, status)

        def read(path=page["path"], done=done, reads=reads):
            session = requests.Session()
            while not done.is_set():
                started = time.monotonic()
                status = session.get(stack.url + path, allow_redirects=False, timeout=20).status_code
                reads.append((started, status))

        readers = [threading.Thread(target=read) for _ in range(6)]
        for reader in readers:
            reader.start()
        time.sleep(0.3)
        response = stack.admin_post(editor, f"/admin/pages/{page['id']}/unpublish/")
        returned.append(time.monotonic())
        time.sleep(0.5)
        done.set()
        for reader in readers:
            reader.join()
        assert response.status_code == 302, response.status_code
        late = [status for started, status in reads if started > returned[0] and status == 200]
        before = [status for started, status in reads if started <= returned[0]]
        assert before, "the readers did not start in time: the test would prove nothing"
        if late:
            failures.append(f"{page['path']}: {len(late)} reads got 200 after the unpublish returned")
        assert stack.get(page["path"]).status_code == 404
    assert not failures, failures


@pytest.mark.parametrize("kind", ["login", "password"])
def test_privacy_restriction_applies_on_the_next_request(stack, kind):
    page = stack.data["pages"][{"login": 3, "password": 24}[kind]]
    assert page["intro"] in warm(stack, page["path"]).text
    editor = stack.sign_in("editor")
    data = {"restriction_type": kind}
    if kind == "password":
        data["password"] = "village-2027"
    response = stack.admin_post(editor, f"/admin/pages/{page['id']}/privacy/", data)
    assert response.status_code == 200 and '"step": "set_privacy_done"' in response.text.replace("'", '"'), response.text[:500]
    after = stack.get(page["path"])
    assert page["intro"] not in after.text, f"{kind}-only page still public after the restriction was set"
    assert after.status_code == (302 if kind == "login" else 200)
    assert after.headers["X-Cache"] != "HIT"


def test_editing_a_homestay_keeps_unrelated_pages_warm(stack):
    """Publishing a homestay purges its page, its index, the map and the route that lists it
    nearby, and leaves a route page that does not show it in the cache."""
    found = stack.data["homestay"]
    assert found, "the demo has no homestay that one route shows and another does not"
    homestay, near, far = found["homestay"], found["near"], found["far"]
    for path in (homestay["path"], near, far, "/homestays/", "/map/", "/api/geo/homestays.geojson"):
        warm(stack, path)
    new_title = homestay["title"] + "（新装修）"
    stack.python(
        "from homestays.models import HomestayPage\n"
        f"page = HomestayPage.objects.get(pk={homestay['id']})\n"
        f"page.title = {new_title!r}\n"
        "page.save_revision().publish()\n"
    )
    assert stack.get(far).headers["X-Cache"] == "HIT", "a route page that does not show the homestay was purged"
    for path in (homestay["path"], near, "/homestays/", "/map/", "/api/geo/homestays.geojson"):
        response = stack.get(path)
        assert response.headers["X-Cache"] == "MISS", path
        assert new_title in response.text, f"{path} does not show the new title"


def test_the_service_worker_is_never_stored_and_a_route_pack_follows_its_route(stack):
    """Issue 23: a visitor's browser must always get the deployment's current worker, and a route's
    offline pack manifest is cached like the page and purged with it, so "有更新" is never late."""
    for _ in range(3):
        worker = stack.get("/sw.js")
        assert worker.status_code == 200 and "no-cache" in worker.headers["Cache-Control"]
        assert worker.headers["X-Cache"] != "HIT", "Varnish stored the service worker"
    route = stack.data["homestay"]["far"]
    before = warm(stack, route + "offline/").json()
    assert before["documents"] and before["resources"]
    for resource in before["resources"]:  # hashed static names, media, layers: the sizes served
        assert len(stack.get(resource["url"]).content) == resource["bytes"], resource
    stack.python(
        "from routes.models import RoutePage\n"
        f"page = next(p for p in RoutePage.objects.live() if p.url == {route!r})\n"
        "page.summary = page.summary + ' 新增观景台。'\n"
        "page.save_revision().publish()\n"
    )
    after = stack.get(route + "offline/")
    assert after.headers["X-Cache"] == "MISS", "the pack manifest outlived its route's publication"
    assert after.json()["version"] != before["version"]


def test_an_owner_closing_a_night_reaches_every_view_of_it_at_once(stack):
    """Availability is no content change (no revision, no review), yet an owner's 不营业 night is on
    the listing, its iCalendar export, the date search and the map layer with the next request,
    through the same purge as a publish; the listing's English copy follows too."""
    found = json.loads(
        stack.python(
            "import json, datetime as dt\n"
            "from django.utils import timezone\n"
            "from homestays.models import HomestayPage, RoomNight\n"
            "page = HomestayPage.objects.live().filter(owner__username='owner1', locale__language_code='zh-hans').order_by('path').first()\n"
            "day = timezone.localdate() + dt.timedelta(days=40)\n"
            "assert not RoomNight.objects.filter(room__page=page, date=day).exists()\n"
            "english = page.get_translations().filter(live=True).first()\n"
            "print(json.dumps({'id': page.pk, 'path': page.url, 'rooms': list(page.rooms.values_list('pk', flat=True)), 'day': day.isoformat(),"
            " 'en': english.url if english else None}))\n"
        )
        .strip()
        .splitlines()[-1]
    )
    day = dt.date.fromisoformat(found["day"])
    stay = f"?checkin={day}&checkout={day + dt.timedelta(days=1)}"
    views = [found["path"], found["path"] + "availability.ics", "/homestays/" + stay, "/api/geo/homestays.geojson" + stay]
    if found["en"]:
        views.append(found["en"])
    for path in views:
        warm(stack, path)
    assert f'data-date="{day}" data-free="{len(found["rooms"])}"' in stack.get(found["path"]).text

    owner = stack.sign_in("owner")
    calendar = f"/admin/homestays/{found['id']}/calendar/"
    for room in found["rooms"]:
        done = stack.admin_post(
            owner, f"{calendar}?room={room}&month={day:%Y-%m}", {"room": room, "start": day, "end": day, "status": "closed", "month": f"{day:%Y-%m}"}
        )
        assert done.status_code == 302, (done.status_code, done.text[-500:])

    responses = {path: stack.get(path) for path in views}
    assert all(r.headers.get("X-Cache") == "MISS" for r in responses.values()), {p: r.headers.get("X-Cache") for p, r in responses.items()}
    assert f'data-date="{day}" data-free="0"' in responses[found["path"]].text
    assert f"DTSTART;VALUE=DATE:{day:%Y%m%d}" in responses[found["path"] + "availability.ics"].text
    assert found["path"] not in responses["/homestays/" + stay].text
    assert found["path"] not in responses["/api/geo/homestays.geojson" + stay].text
    if found["en"]:
        assert f'data-date="{day}" data-free="0"' in responses[found["en"]].text
