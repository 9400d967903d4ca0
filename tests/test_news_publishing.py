"""Publishing: scheduled go-live and expiry, the 资讯审核 workflow, the demo, and where events show up
(home page collection, related route pages) until they end."""

import datetime
import io
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Page, PageViewRestriction, Revision, Workflow, WorkflowPage

from news.factories import EventPageFactory, NewsIndexPageFactory, NewsPageFactory
from news.models import NewsPage, NewsPageRelatedPage
from news.workflow import WORKFLOW_NAME
from portal.factories import make_site
from portal.registry import registry
from routes.factories import RouteIndexPageFactory, RoutePageFactory


class SchedulingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)

    def listed(self):
        return [item.title for item in self.client.get("/news/").context["items"]]

    def test_go_live_at_waits_for_publish_scheduled(self):
        page = EventPageFactory(parent=self.index, title="定时发布的花儿会", slug="scheduled", live=False)
        page.go_live_at = timezone.now() + datetime.timedelta(hours=2)
        revision = page.save_revision()
        revision.publish()
        page.refresh_from_db()
        self.assertFalse(page.live)
        self.assertIsNotNone(Revision.objects.get(pk=revision.pk).approved_go_live_at)
        call_command("publish_scheduled", stdout=io.StringIO())
        page.refresh_from_db()
        self.assertFalse(page.live, "not yet: go_live_at is still in the future")
        self.assertNotIn("定时发布的花儿会", self.listed())
        self.assertNotIn("定时发布的花儿会", self.client.get("/news/feed/rss/").content.decode())
        self.assertNotIn("定时发布的花儿会", self.client.get("/news/events.ics").content.decode())
        self.assertEqual(self.client.get("/news/scheduled/").status_code, 404)

        # Three hours later, the cron job runs again.
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(hours=3)):
            call_command("publish_scheduled", stdout=io.StringIO())
        page.refresh_from_db()
        self.assertTrue(page.live)
        self.assertIn("定时发布的花儿会", self.listed())
        self.assertIn("定时发布的花儿会", self.client.get("/news/events.ics").content.decode())

    def test_expire_at_unpublishes(self):
        page = NewsPageFactory(parent=self.index, title="限时资讯", slug="expiring")
        page.expire_at = timezone.now() + datetime.timedelta(hours=1)
        page.save_revision().publish()
        call_command("publish_scheduled", stdout=io.StringIO())
        self.assertIn("限时资讯", self.listed())
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(hours=2)):
            call_command("publish_scheduled", stdout=io.StringIO())
        page.refresh_from_db()
        self.assertFalse(page.live)
        self.assertTrue(page.expired)
        self.assertNotIn("限时资讯", self.listed())
        self.assertNotIn("限时资讯", self.client.get("/news/feed/atom/").content.decode())


class WorkflowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)
        User = get_user_model()
        cls.writer = User.objects.create_user("writer", password="pw")
        cls.writer.groups.add(Group.objects.get(name="Editors"))
        cls.moderator = User.objects.create_user("moderator", password="pw")
        cls.moderator.groups.add(Group.objects.get(name="Moderators"))

    def test_workflow_exists_after_migrate_and_is_attached_to_news(self):
        workflow = Workflow.objects.get(name=WORKFLOW_NAME)
        self.assertTrue(workflow.active)
        (task,) = [t.specific for t in workflow.tasks]
        self.assertIsInstance(task, GroupApprovalTask)
        self.assertEqual([g.name for g in task.groups.all()], ["Moderators"])
        self.assertTrue(WorkflowPage.objects.filter(page=self.index, workflow=workflow).exists())
        page = NewsPageFactory(parent=self.index, live=False)
        self.assertEqual(page.get_workflow(), workflow)

    def test_draft_review_publish(self):
        page = NewsPageFactory(parent=self.index, title="待审核的资讯", slug="in-review", live=False)
        page.save_revision(user=self.writer)
        state = page.get_workflow().start(page, self.writer)
        page.refresh_from_db()
        self.assertFalse(page.live)
        self.assertEqual(state.current_task_state.task.specific.name, "资讯审核：审核员审批")
        self.assertNotIn("待审核的资讯", self.client.get("/news/").content.decode())
        state.current_task_state.task.specific.on_action(state.current_task_state, self.moderator, "approve")
        page.refresh_from_db()
        self.assertTrue(page.live)
        self.assertIn("待审核的资讯", self.client.get("/news/").content.decode())

    def test_editor_cannot_skip_review_in_admin(self):
        page = NewsPageFactory(parent=self.index, title="草稿", slug="draft", live=False)
        self.client.force_login(self.writer)
        response = self.client.get(f"/admin/pages/{page.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="action-submit"')
        self.assertNotContains(response, 'name="action-publish"')


class WhereEventsShowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = make_site()
        cls.index = NewsIndexPageFactory(parent=cls.home)
        cls.routes = RouteIndexPageFactory(parent=cls.home)
        cls.route = RoutePageFactory(parent=cls.routes, title="大通县朔北乡窎沟民俗文化", slug="diaogou")
        cls.other_route = RoutePageFactory(parent=cls.routes, title="湟源县历史文化", slug="huangyuan")
        now = timezone.now()
        cls.event = EventPageFactory(
            parent=cls.index, title="老爷山花儿会", slug="huaer", event_start=now + datetime.timedelta(days=10), event_end=now + datetime.timedelta(days=12)
        )
        cls.event.related_links = [NewsPageRelatedPage(page=cls.route)]
        cls.event.save_revision().publish()
        cls.news = NewsPageFactory(parent=cls.index, title="窎沟线路发布", slug="diaogou-launch")
        cls.news.related_links = [NewsPageRelatedPage(page=cls.route)]
        cls.news.save_revision().publish()
        cls.unrelated = EventPageFactory(parent=cls.index, title="湟源排灯", slug="paideng")
        cls.draft = EventPageFactory(parent=cls.index, title="草稿活动", slug="draft-event", live=False)
        cls.private = EventPageFactory(parent=cls.index, title="内部活动", slug="private-event")
        for hidden in (cls.draft, cls.private):
            hidden.related_links = [NewsPageRelatedPage(page=cls.route)]
            hidden.save()
        PageViewRestriction.objects.create(page=cls.private, restriction_type=PageViewRestriction.PASSWORD, password="secret")
        cls.home.body = [("collection", {"heading": "近期节庆活动", "source": "upcoming_events", "limit": 3, "more_page": cls.index})]
        cls.home.save_revision().publish()

    def end_event(self):
        """'Freeze' time after the festival: its end is now in the past."""
        NewsPage.objects.filter(pk=self.event.pk).update(event_end=timezone.now() - datetime.timedelta(minutes=1))

    def test_collections_registered(self):
        self.assertIn("upcoming_events", registry.collections)
        self.assertIn("latest_news", registry.collections)
        titles = [p.title for p in registry.collections["upcoming_events"][1](5)]
        self.assertEqual(titles, ["湟源排灯", "老爷山花儿会"])  # soonest first; no draft or private event
        # Latest news leaves upcoming events to their own section; drafts and private pages never.
        self.assertEqual([p.title for p in registry.collections["latest_news"][1](10)], ["窎沟线路发布"])
        self.end_event()
        self.assertCountEqual([p.title for p in registry.collections["latest_news"][1](10)], ["窎沟线路发布", "老爷山花儿会"])

    def test_event_on_home_page_until_it_ends(self):
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "近期节庆活动")
        self.assertContains(response, "老爷山花儿会")
        self.assertNotContains(response, "内部活动")
        self.end_event()
        response = self.client.get("/")
        self.assertNotContains(response, "老爷山花儿会")
        self.assertContains(response, "湟源排灯")
        # Past events stay as news.
        past = self.client.get("/news/?show=past")
        self.assertContains(past, "老爷山花儿会")
        self.assertEqual(self.client.get("/news/huaer/").status_code, 200)

    def test_event_on_related_route_until_it_ends(self):
        self.assertEqual([p.title for p in registry.related_for("events", self.route)], ["老爷山花儿会"])
        self.assertEqual([p.title for p in registry.related_for("events", self.other_route)], [])
        self.assertEqual([p.title for p in registry.related_for("news", self.route)], ["窎沟线路发布"])
        response = self.client.get(self.route.url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "老爷山花儿会")
        self.end_event()
        self.assertEqual(registry.related_for("events", self.route), [])
        # Past events stay on as related news.
        self.assertCountEqual([p.title for p in registry.related_for("news", self.route)], ["老爷山花儿会", "窎沟线路发布"])

    def test_related_pages_on_event_page(self):
        response = self.client.get(self.event.url)
        self.assertContains(response, "相关线路、民宿与产品")
        self.assertContains(response, f'href="{self.route.url}"')


@pytest.mark.slow  # a whole-demo crawl: load_demo run twice
class DemoTests(TestCase):
    def test_demo_is_idempotent_and_has_upcoming_events(self):
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        count = NewsPage.objects.count()
        self.assertGreaterEqual(NewsPage.objects.live().count(), 8)
        upcoming = NewsPage.objects.live().upcoming()
        self.assertGreaterEqual(upcoming.count(), 5)
        huaer = NewsPage.objects.filter(slug__startswith="laoyeshan-huaerhui-", is_event=True).filter(locale__language_code="zh-hans").live().upcoming().get()
        self.assertEqual(huaer.lunar_label, "农历六月初六")
        self.assertTrue(huaer.related_links.filter(page__slug="diaogou").exists())
        self.assertTrue(NewsPage.objects.live().past_events().exists())
        self.assertTrue(WorkflowPage.objects.filter(page__slug="news", workflow__name=WORKFLOW_NAME).exists())
        self.assertTrue(Page.objects.filter(slug="xinachuan-xiangcun-lvyoujie", live=False).get().workflow_in_progress)
        call_command("load_demo", stdout=io.StringIO())
        self.assertEqual(NewsPage.objects.count(), count)
        self.assertEqual(self.client.get("/").status_code, 200)
        self.assertEqual(self.client.get("/news/").status_code, 200)
        self.assertEqual(self.client.get(huaer.url).status_code, 200)
