import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
_django = get_wsgi_application()

from portal.cache import PageCacheWSGI  # noqa: E402 - needs the settings loaded above

# Anonymous cache hits are answered before Django builds a request (portal/cache.py).
application = PageCacheWSGI(_django)
