from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from portal import search, seo, views
from portal.api import api_router

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    path("api/geo/<slug:name>.geojson", views.geo_layer, name="geo_layer"),
    path("sitemap.xml", sitemap, {"sitemaps": {"pages": seo.PortalSitemap}}, name="sitemap"),
    path("robots.txt", seo.robots_txt, name="robots_txt"),
    path("qr/<int:page_id>.<str:fmt>", seo.page_qr, name="page_qr"),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Chinese at / (no prefix), English under /en/.
urlpatterns += i18n_patterns(
    path("search/", search.search, name="search"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)
