"""Demo content: a county desk for each county (大通县's with its own handler), an alert on 日月山
and a few reports in each state, so the status page, the dashboard and the monthly figures have
something to show. Places are found on the map layers by name, as a visitor's report finds them."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from wagtail.models import Page

from portal.demo import ensure_user
from portal.geo import point
from portal.layers import layer_payloads
from portal.places import County
from reports.models import Alert, AlertKind, Category, CountyDesk, OwnerAnswer, Report, Status

HANDLERS_GROUP = "县区反馈处理人 County report handlers"


def _feature(layer: str, name_part: str) -> dict | None:
    payload = layer_payloads([layer]).get(layer) or {"features": []}
    return next((f for f in payload["features"] if name_part in str((f.get("properties") or {}).get("name", ""))), None)


def _page_at(url: str):
    path = url.split("#", 1)[0]
    return Page.objects.live().filter(url_path__endswith=path).order_by("depth").first() if path.strip("/") else None


def handlers_group() -> Group:
    group, _ = Group.objects.get_or_create(name=HANDLERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="reports", codename__in=["view_report", "change_report"]),
    )
    return group


def load(ctx):
    handler = ensure_user("datong", email="datong@example.com", first_name="县区处理人", last_name="大通")
    handler.groups.add(handlers_group())
    for code in County.values:
        desk, _ = CountyDesk.objects.get_or_create(county=code)
        if code == County.DATONG:
            desk.handlers.add(handler)
            if not desk.email:
                desk.email = "datong-desk@example.com"
                desk.save()

    now = timezone.now()
    riyue = _feature("stops", "日月山")
    if riyue and not Alert.objects.filter(title__startswith="日月山").exists():
        url = riyue["properties"]["url"]
        route = _page_at(url)
        stop = int(url.rsplit("-", 1)[1]) if "#stop-" in url else None
        if route is not None:
            Alert.objects.create(
                kind=AlertKind.WEATHER,
                title="日月山垭口降雪，路面结冰",
                body="109 国道日月山段有积雪和暗冰，小车请带防滑链，减速慢行；垭口风大，注意保暖。",
                title_en="Snow and ice on the Riyue Mountain pass",
                body_en="Snow and black ice on National Road 109 over Riyue Mountain: carry snow chains and drive slowly; the pass is windy and cold.",
                starts_at=now - datetime.timedelta(hours=2),
                ends_at=now + datetime.timedelta(days=3),
                page=route,
                stop=stop,
            )
            ctx.log("Created the demo alert on 日月山")

    if Report.objects.exists():
        return
    diaogou = _feature("stops", "窎沟")
    homestay = _feature("homestays", "")
    samples = []
    if diaogou:
        lon, lat = diaogou["geometry"]["coordinates"][:2]
        samples.append(
            dict(
                category=Category.DAMAGE,
                description="窎沟村往边麻沟方向约 2 公里处，雨后路边塌了一段，小车要靠内侧慢行。",
                point=point(lon + 0.01, lat + 0.005),
                subject_url=diaogou["properties"]["url"],
                subject_name=diaogou["properties"]["name"],
                county=County.DATONG,
                status=Status.IN_PROGRESS,
                public_reply="已通知朔北乡，养护队明天上午到现场处理，期间请绕行。",
                created_at=now - datetime.timedelta(hours=20),
            )
        )
    if homestay:
        lon, lat = homestay["geometry"]["coordinates"][:2]
        samples.append(
            dict(
                category=Category.PRICE,
                description="国庆入住时房价比网页上写的高了 100 元，前台说是节日价，网页上没有说明。",
                point=point(lon, lat),
                subject_url=homestay["properties"]["url"],
                subject_name=homestay["properties"]["name"],
                subject_page=_page_at(homestay["properties"]["url"]),
                county=homestay["properties"].get("county") or County.HUANGZHONG,
                status=Status.RECEIVED,
                created_at=now - datetime.timedelta(days=2),
            )
        )
    samples.append(
        dict(
            category=Category.SANITATION,
            description="丹噶尔古城西门外公厕没有水，已经两天了。",
            point=point(101.2612, 36.6871),
            subject_name="丹噶尔古城",
            county=County.HUANGYUAN,
            status=Status.DONE,
            public_reply="供水管道已修复，公厕已恢复使用。感谢您的反馈。",
            created_at=now - datetime.timedelta(days=5),
        )
    )
    for spec in samples:
        report = Report(**spec)
        report.save()
        if report.status != Status.RECEIVED:
            # answered within a few hours of the report, as a desk that keeps its clock would
            Report.objects.filter(pk=report.pk).update(responded_at=report.created_at + datetime.timedelta(hours=3))
        if report.status == Status.DONE:
            Report.objects.filter(pk=report.pk).update(closed_at=report.created_at + datetime.timedelta(hours=30))
        if report.subject_page_id and report.subject_page.owner_id:
            OwnerAnswer.objects.create(report=report, author=report.subject_page.owner, text="节日价已补充到房型说明里，多收的差价已经退还给您，抱歉。")
    ctx.log(f"Created {len(samples)} demo reports")
