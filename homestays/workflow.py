"""The 民宿审核 workflow: an owner's change waits for an editor (Editors or Moderators) to approve it.

The workflow and its GroupApprovalTask are created by migration 0003 so that every database has
them after `migrate`. A workflow applies to a page subtree, so each HomestayIndexPage is attached
when it is created (here), wherever that happens: the admin, the demo loader, a translation.
Approving publishes the listing; "request changes" sends it back with the editor's comment, and
Wagtail's own notifications e-mail the owner either way.
"""

from __future__ import annotations

WORKFLOW_NAME = "民宿审核"
TASK_NAME = "民宿审核：编辑审批"
REVIEW_GROUPS = ("Editors", "Moderators")


def homestay_workflow():
    """The active 民宿审核 workflow, created (as migration 0003 does) if it was never there.

    A workflow an administrator deactivated stays deactivated: then there is none.
    """
    from django.contrib.auth.models import Group
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowTask

    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
        task = GroupApprovalTask.objects.filter(name=TASK_NAME).first() or GroupApprovalTask.objects.create(name=TASK_NAME)
        task.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in REVIEW_GROUPS))
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    return workflow if workflow.active else None


def assign_homestay_workflow(sender, instance, created=False, raw=False, **kwargs):
    """post_save of HomestayIndexPage: attach 民宿审核 unless an editor already chose a workflow."""
    from wagtail.models import WorkflowPage

    if not created or raw:
        return
    workflow = homestay_workflow()
    if workflow and not WorkflowPage.objects.filter(page=instance).exists():
        WorkflowPage.objects.create(page=instance, workflow=workflow)
