from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.urls import reports as wagtail_reports
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal import icons, offline, seo, views
from portal.api import api_router
from portal.registry import registry
from portal.search import views as search_views
from portal.spreadsheets import safe_report_urls

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    *safe_report_urls("admin/reports/", wagtail_reports),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/geo/<slug:name>.geojson", views.geo_layer, name="geo_layer"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": seo.PortalSitemap}}, name="sitemap"),
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    # icons that browsers and WeChat ask for at the root, whatever the page links (portal/icons.py)
    *[path(name, icons.root_icon, {"name": name}) for name in icons.ROOT_ICONS],
    path("qr/<int:page_id>.<str:fmt>", seo.page_qr, name="page_qr"),
    path("i18n/", include("django.conf.urls.i18n")),
    # the service worker at the root, so its scope is the whole site (portal/offline.py)
    path("sw.js", offline.service_worker, name="service_worker"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Chinese at / (no prefix), English under /en/.
urlpatterns += i18n_patterns(
    path("search/", search_views.search, name="search"),
    path("search/autocomplete/", search_views.autocomplete, name="search_autocomplete"),
    path("offline/", offline.offline_page, name="offline"),
    # what the apps serve outside the page tree (registry.register_urls)
    *registry.public_urls,
    # Wagtail's page URLs cannot contain a dot; let routable pages also serve "<page path>/<name>.ics"
    # (e.g. /news/events.ics, /news/<slug>/event.ics) through normal page routing and privacy checks.
    re_path(r"^((?:[\w\-]+/)+[\w\-]+\.ics)$", wagtail_views.serve, name="wagtail_serve_ics"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

# Error pages that need no database (portal/templates/{404,500,503}.html); a database outage
# raised outside a view still answers 503 (see portal.views.server_error).
handler500 = "portal.views.server_error"
