"""Xining's administrative divisions, shared by every subject app that files things by county."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class County(models.TextChoices):
    """The seven county-level divisions of Xining; ASCII codes keep filter URLs and CSV codes readable."""

    CHENGDONG = "chengdong", _("城东区")
    CHENGZHONG = "chengzhong", _("城中区")
    CHENGXI = "chengxi", _("城西区")
    CHENGBEI = "chengbei", _("城北区")
    HUANGZHONG = "huangzhong", _("湟中区")
    DATONG = "datong", _("大通县")
    HUANGYUAN = "huangyuan", _("湟源县")
