"""Visitor reports (反馈问题) with a public response clock, and route alerts (预警).

Why both live in one app: a report about a washed-out track often becomes the alert that warns the
next visitor, and both are about a place that another app presents. That place is known only by
its URL on a map layer (registry), so this app names no other app: the name, the point and the
county of a report's subject are read from the layer feature whose `url` it is.

Reports are data, not content: they never change a public page, so saving one purges nothing
(`page_cache_ignore`). Alerts are content: saving one purges the pages that show it through the
registry's dependents, and the pages showing an alert are shared by the proxy only until its next
start or end (portal.cache.shared_until), so it appears and expires by itself.
"""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from portal.fields import GeoJSONField
from portal.places import County
from portal.uploads import private_storage


class Category(models.TextChoices):
    DAMAGE = "damage", _("道路/设施损坏")
    SANITATION = "sanitation", _("环境卫生")
    PRICE = "price", _("价格/服务投诉")
    SAFETY = "safety", _("安全隐患")
    INFO = "info", _("信息有误")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    IN_PROGRESS = "in_progress", _("处理中")
    DONE = "done", _("已办结")
    REJECTED = "rejected", _("不予受理")


OPEN_STATUSES = (Status.RECEIVED, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.DONE, Status.REJECTED)
# Unambiguous on a phone keyboard and read aloud over the phone: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def photo_path(instance, filename: str) -> str:
    return f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()[:5] or 'jpg'}"


@register_setting(icon="time")
class ReportSettings(BaseGenericSetting):
    """How long the county has to answer a report of each category, shown on its status page."""

    hours_damage = models.PositiveSmallIntegerField(_("道路/设施损坏：答复时限（小时）"), default=24)
    hours_sanitation = models.PositiveSmallIntegerField(_("环境卫生：答复时限（小时）"), default=24)
    hours_price = models.PositiveSmallIntegerField(_("价格/服务投诉：答复时限（小时）"), default=24)
    hours_safety = models.PositiveSmallIntegerField(_("安全隐患：答复时限（小时）"), default=4)
    hours_info = models.PositiveSmallIntegerField(_("信息有误：答复时限（小时）"), default=24)
    hours_other = models.PositiveSmallIntegerField(_("其他：答复时限（小时）"), default=24)
    reports_per_hour = models.PositiveSmallIntegerField(_("每个网络地址每小时最多提交"), default=10, help_text=_("超过后提交会被拒绝（429），防止刷屏。"))

    class Meta:
        verbose_name = _("反馈处理时限")

    def hours_for(self, category: str) -> int:
        return max(1, int(getattr(self, f"hours_{category}", 24) or 24))


class CountyDesk(models.Model):
    """Who answers the reports of one county: its handlers see and handle them in the admin, and
    are mailed the overdue ones (with the desk's own address, if it has one)."""

    county = models.CharField(_("县区"), max_length=20, choices=County.choices, unique=True)
    handlers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), blank=True, related_name="report_desks")
    email = models.EmailField(_("值班邮箱"), blank=True)

    page_cache_ignore = True

    class Meta:
        verbose_name = _("县区反馈处理人")
        verbose_name_plural = _("县区反馈处理人")
        ordering = ["county"]

    def __str__(self) -> str:
        return str(self.get_county_display())


class ReportQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        """Reports still waiting for their first answer after their deadline."""
        return self.filter(responded_at__isnull=True, status=Status.RECEIVED, due_at__lt=now or timezone.now())

    def handled_by(self, user):
        """The reports `user` may handle: every county's for the office (change permission and no
        desk, or a superuser), else only their desks' counties."""
        if user.is_superuser:
            return self
        if not user.has_perm("reports.change_report"):
            return self.none()
        counties = list(CountyDesk.objects.filter(handlers=user).values_list("county", flat=True))
        if not counties and user.has_perm("reports.handle_all_counties"):
            return self
        return self.filter(county__in=counties)


class ReportAdminForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Status.REJECTED and not (cleaned.get("reject_reason") or "").strip():
            self.add_error("reject_reason", _("不予受理时请写明理由，理由会公开给反馈人。"))
        return cleaned


class Report(ClusterableModel):
    code = models.CharField(_("受理编号"), max_length=12, unique=True, default=new_code, editable=False)
    category = models.CharField(_("问题类别"), max_length=20, choices=Category.choices)
    description = models.TextField(_("问题描述"), max_length=2000)
    photo = models.ImageField(_("照片"), upload_to=photo_path, storage=private_storage, blank=True)
    photo_public = models.BooleanField(_("照片可公开"), default=False, help_text=_("核实照片不含人脸、车牌等个人信息后再勾选；勾选前照片只在后台可见。"))
    point = GeoJSONField(_("位置"), geom_types=("Point",))
    # The place the report is about, as the page that presented it showed it (a layer feature).
    subject_url = models.CharField(_("反馈对象链接"), max_length=300, blank=True)
    subject_name = models.CharField(_("反馈对象"), max_length=200, blank=True)
    subject_page = models.ForeignKey("wagtailcore.Page", verbose_name=_("所在页面"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    county = models.CharField(_("县区"), max_length=20, choices=County.choices, db_index=True)
    contact = models.CharField(_("联系方式（不公开）"), max_length=120, blank=True)
    language = models.CharField(max_length=8, default="zh-hans", editable=False)

    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    public_reply = models.TextField(_("公开答复"), blank=True, help_text=_("显示在反馈的公开进度页上。"))
    reject_reason = models.TextField(_("不予受理的理由"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("答复期限"), db_index=True)
    responded_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    form_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = ReportQuerySet.as_manager()
    page_cache_ignore = True
    base_form_class = ReportAdminForm

    class Meta:
        verbose_name = _("游客反馈")
        verbose_name_plural = _("游客反馈")
        ordering = ["-created_at"]
        permissions = [("handle_all_counties", _("可处理所有县区的反馈"))]

    def __str__(self) -> str:
        return f"{self.code} {self.get_category_display()} · {self.subject_name or self.get_county_display()}"

    def save(self, *args, **kwargs):
        if self.due_at is None:
            hours = ReportSettings.load().hours_for(self.category)
            self.due_at = (self.created_at or timezone.now()) + datetime.timedelta(hours=hours)
        if self.status != Status.RECEIVED and self.responded_at is None:
            self.responded_at = timezone.now()
        if self.status in CLOSED_STATUSES and self.closed_at is None:
            self.closed_at = timezone.now()
        elif self.status in OPEN_STATUSES:
            self.closed_at = None
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("report_status", args=[self.code])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.responded_at is None and self.status == Status.RECEIVED and timezone.now() > self.due_at

    @property
    def response_time(self) -> datetime.timedelta | None:
        return self.responded_at - self.created_at if self.responded_at else None

    @property
    def response_time_text(self) -> str:
        """ "2 小时 15 分" (the public clock the status page shows)."""
        from django.utils.translation import gettext as _t

        spent = self.response_time
        if spent is None:
            return ""
        minutes = max(1, int(spent.total_seconds() // 60))
        hours, minutes = divmod(minutes, 60)
        if hours:
            return _t("%(h)d 小时 %(m)d 分") % {"h": hours, "m": minutes}
        return _t("%(m)d 分钟") % {"m": minutes}

    @cached_property
    def public_answers(self):
        return [answer for answer in self.answers.all() if answer.approved]

    @property
    def lonlat(self) -> tuple[float, float]:
        lon, lat = self.point["coordinates"][:2]
        return lon, lat


class OwnerAnswer(models.Model):
    """The answer of the owner of the place a report is about; public once an editor approves it."""

    report = ParentalKey(Report, related_name="answers", on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("业主"), null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("业主答复"), max_length=2000)
    created_at = models.DateTimeField(_("答复时间"), default=timezone.now)
    approved = models.BooleanField(_("审核通过，公开显示"), default=False)
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    page_cache_ignore = True

    class Meta:
        verbose_name = _("业主答复")
        verbose_name_plural = _("业主答复")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:40]

    def save(self, *args, **kwargs):
        self.approved_at = (self.approved_at or timezone.now()) if self.approved else None
        super().save(*args, **kwargs)


class AlertKind(models.TextChoices):
    CLOSED = "closed", _("封闭")
    WORKS = "works", _("施工")
    WEATHER = "weather", _("天气")
    CROWDED = "crowded", _("拥挤")
    EVENT = "event", _("活动")


# An alert is announced (即将开始) this long before it starts.
SHOWN_AHEAD = datetime.timedelta(days=2)


def next_change_of(spans, now):
    """The next time an alert of `spans` ((starts, ends) pairs) is announced (即将), starts or
    ends after `now`: until then a page showing them stays the same. None when nothing changes."""
    return min((t for starts, ends in spans for t in (starts - SHOWN_AHEAD, starts, ends) if t > now), default=None)


class AlertQuerySet(models.QuerySet):
    def current(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)

    def shown(self, now=None, ahead=SHOWN_AHEAD):
        """In force now, or starting within `ahead` (announced as 即将)."""
        now = now or timezone.now()
        return self.filter(starts_at__lte=now + ahead, ends_at__gt=now)

    def next_change(self, now=None):
        """The next time one of these alerts appears (as 即将 or in force) or ends: until then a
        page showing them is the same."""
        now = now or timezone.now()
        return next_change_of(self.filter(ends_at__gt=now).values_list("starts_at", "ends_at"), now)


class Alert(models.Model):
    """A warning on a route, a stop on it, or an area (a point and a radius), with a start and an end."""

    kind = models.CharField(_("类型"), max_length=20, choices=AlertKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("说明"), max_length=2000, blank=True)
    title_en = models.CharField(_("英文标题"), max_length=160, blank=True, help_text=_("英文网站显示；不填则显示中文。"))
    body_en = models.TextField(_("英文说明"), max_length=3000, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ends_at = models.DateTimeField(_("结束时间"))
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("线路"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("预警所在的线路；也可以只标在地图上的一个区域。"),
    )
    stop = models.PositiveSmallIntegerField(_("站点编号"), null=True, blank=True, help_text=_("只涉及线路上的某一站时填写其编号。"))
    area = GeoJSONField(_("区域中心"), geom_types=("Point",), null=True, blank=True)
    radius_km = models.DecimalField(_("区域半径（公里）"), max_digits=5, decimal_places=1, default=2)
    from_report = models.ForeignKey(Report, verbose_name=_("来自反馈"), null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="reports_alert_ends_after_start"),
            models.CheckConstraint(condition=Q(page__isnull=False) | Q(area__isnull=False), name="reports_alert_has_place"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @property
    def upcoming(self) -> bool:
        return self.starts_at > timezone.now()

    @property
    def in_english(self) -> bool:
        """Whether the English site shows this alert's own English words (else the Chinese, marked so)."""
        from django.utils.translation import get_language

        return bool(self.title_en) and (get_language() or "").startswith("en")

    @property
    def display_title(self) -> str:
        return self.title_en if self.in_english else self.title

    @property
    def display_body(self) -> str:
        return (self.body_en or self.body) if self.in_english else self.body

    @property
    def lang(self) -> str:
        """The language of the words shown, for a lang attribute where it differs from the page's."""
        from django.utils.translation import get_language

        return "" if self.in_english or not (get_language() or "").startswith("en") else "zh-Hans"
