import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
application = get_wsgi_application()

# Everything loaded so far (Django, Wagtail, the URL conf, the models) lives as long as the process:
# moved out of the cyclic garbage collector's generations, a full collection no longer walks it, so
# a worker does not stall every so often while visitors wait (the p99 of `make bench`).
gc.collect()
gc.freeze()
