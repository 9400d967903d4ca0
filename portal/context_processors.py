from django.conf import settings


def portal(request):
    return {"LANGUAGES": settings.LANGUAGES}
