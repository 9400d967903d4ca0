"""The 资讯审核 review workflow: draft → review by the Moderators group → publish.

The workflow and its task are created by a data migration (news/migrations/0003) so that every
database has them after `migrate`; a workflow applies to a page subtree, so each NewsIndexPage is
attached to it when it is created (here), wherever it is created: admin, demo loader or a
translation of the index.
"""

from __future__ import annotations

WORKFLOW_NAME = "资讯审核"
TASK_NAME = "资讯审核：审核员审批"
REVIEW_GROUP = "Moderators"


def news_workflow():
    from wagtail.models import Workflow

    return Workflow.objects.filter(name=WORKFLOW_NAME, active=True).first()


def assign_news_workflow(sender, instance, created=False, raw=False, **kwargs):
    """post_save of NewsIndexPage: attach the news workflow unless an editor already chose one."""
    from wagtail.models import WorkflowPage

    if not created or raw:
        return
    workflow = news_workflow()
    if workflow and not WorkflowPage.objects.filter(page=instance).exists():
        WorkflowPage.objects.create(page=instance, workflow=workflow)
