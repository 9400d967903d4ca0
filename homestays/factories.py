import wagtail_factories

from homestays.models import HomestayIndexPage


class HomestayIndexPageFactory(wagtail_factories.PageFactory):
    title = "民宿"
    slug = "homestays"

    class Meta:
        model = HomestayIndexPage
