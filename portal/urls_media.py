"""portal.urls plus uploaded media served by Django, for `make bench` only (PORTAL_SERVE_MEDIA=1).

In production nginx (or S3) serves /media/; the benchmark has no nginx, and Lighthouse should see
the photos a visitor sees.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from portal.urls import *  # noqa: F401,F403
from portal.urls import urlpatterns as _portal_urlpatterns

urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}), *_portal_urlpatterns]
