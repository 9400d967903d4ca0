"""Settings of the portal server the browser tests start (see conftest.py).

The test settings, with the production-like bits the browser must see: media served from a per-run directory
(the demo's generated pictures), and the database from PORTAL_BROWSER_DATABASE_URL, a throw-away
database of its own: the browser suite never shares rows with the in-process Django tests.
"""

import os
from pathlib import Path

import dj_database_url

from portal.settings.test import *  # noqa: F401,F403

DATABASES = {"default": dj_database_url.parse(os.environ["PORTAL_BROWSER_DATABASE_URL"])}
MEDIA_ROOT = Path(os.environ["PORTAL_BROWSER_MEDIA_ROOT"])
ROOT_URLCONF = "tests.browser.urls"
