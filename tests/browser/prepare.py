"""Build the browser suite's database and say what to visit: `python -m tests.browser.prepare OUT.json`.

Runs in the server's environment (DJANGO_SETTINGS_MODULE=tests.browser.settings, its own copy of the
demo that `load_demo` built, tests/demo_db.py): give the site the server's port, then resolve every
target of targets.py to a URL and write them, with the map tile hosts the pages may contact, as JSON.
"""

import json
import os
import sys
from urllib.parse import urlparse

import django


def tile_hosts() -> list[str]:
    from wagtail.models import Site

    from portal.models import PortalSettings
    from portal.tiles import tile_config

    site = Site.objects.filter(is_default_site=True).first()
    config = tile_config(PortalSettings.for_site(site) if site else None)
    hosts = set()
    for layer in config["layers"]:
        host = urlparse(layer["url"]).hostname
        if host is None:  # a path on our own host
            continue
        subdomains = layer.get("options", {}).get("subdomains", "abc")
        if "{s}" in host:
            hosts.update(host.replace("{s}", s) for s in subdomains)
        else:
            hosts.add(host)
    return sorted(hosts)


def owner_listings() -> dict:
    """username -> {id, path, title} of the first live listing each demo owner owns (for the journeys)."""
    from django.apps import apps

    try:
        model = apps.get_model("homestays", "HomestayPage")
    except LookupError:
        return {}
    listings = {}
    for page in model.objects.live().public().filter(owner__username__in=("owner1", "owner2")).select_related("owner").order_by("path"):
        listings.setdefault(page.owner.username, {"id": page.pk, "path": page.get_url(), "title": page.title})
    return listings


def main(out: str) -> None:
    django.setup()
    from wagtail.models import Site

    from tests.browser import targets

    Site.objects.filter(hostname="127.0.0.1").update(port=int(os.environ["PORT"]))  # as load_demo records it
    pages, ids, missing = {}, {}, {}
    for key in targets.target_keys():
        path, page_id, why = targets.resolve(key)
        if path:
            pages[key], ids[key] = path, page_id
        else:
            missing[key] = why
    data = {"pages": pages, "ids": ids, "missing": missing, "tile_hosts": tile_hosts(), "listings": owner_listings()}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
