"""Build the stack suite's database: `python -m tests.stack.prepare OUT.json`, in the server's
environment (production settings, its own database). Migrate, load the demo as `make run` does,
add the pages the tests unpublish or restrict, and say where everything is."""

import io
import json
import sys

import django


def main(out: str) -> None:
    django.setup()
    from django.core.management import call_command
    from wagtail.models import Page, Site

    from homestays.models import HomestayPage
    from portal.factories import StandardPageFactory
    from portal.layers import nearby
    from routes.models import RoutePage

    call_command("collectstatic", interactive=False, verbosity=0)  # production's manifest storage needs it
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    home = Site.objects.get(is_default_site=True).root_page.specific
    pages = [StandardPageFactory(parent=home, title=f"缓存测试页 {n}", slug=f"cache-test-{n}", intro=f"只给缓存测试看的第 {n} 页") for n in range(25)]
    for page in pages:
        page.save_revision().publish()

    # A homestay, a route page that lists it nearby and one that does not (the demo's geography).
    routes = list(RoutePage.objects.live().filter(locale__language_code="zh-hans").order_by("path"))
    pair = None
    for homestay in HomestayPage.objects.live().filter(locale__language_code="zh-hans").exclude(location__isnull=True).order_by("path"):
        near = [r for r in routes if any(f["properties"]["url"] == homestay.url for _d, f in nearby("homestays", r.geometry, float(r.nearby_km or 5)))]
        far = [r for r in routes if r not in near]
        if near and far:
            pair = {"homestay": {"id": homestay.pk, "path": homestay.url, "title": homestay.title}, "near": near[0].url, "far": far[0].url}
            break
    data = {
        "pages": [{"id": p.pk, "path": p.url, "intro": p.intro} for p in pages],
        "homestay": pair,
        "editor": {"username": "editor", "password": "changeme"},
        "owner": {"username": "owner1", "password": "changeme"},
        "page_count": Page.objects.live().count(),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
