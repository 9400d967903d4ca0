"""A section's review workflow: changes under its index page wait for a group's approval.

A Wagtail workflow applies to a page subtree, so each new index page of the section (made in the
admin, by the demo loader or as a translation) is attached when it is created, unless an editor
already chose a workflow for it. Each app's data migration makes the workflow so that every
database has it after `migrate`; `get()` makes it again if it was deleted, and a workflow an
administrator deactivated stays deactivated: then there is none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models.signals import post_save
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask


@dataclass(frozen=True)
class ReviewWorkflow:
    name: str
    task_name: str
    groups: tuple[str, ...]

    def get(self) -> Workflow | None:
        workflow = Workflow.objects.filter(name=self.name).first()
        if workflow is None:
            workflow = Workflow.objects.create(name=self.name, active=True)
            task = GroupApprovalTask.objects.filter(name=self.task_name).first() or GroupApprovalTask.objects.create(name=self.task_name)
            task.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in self.groups))
            WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
        return workflow if workflow.active else None

    def attach_to_new(self, index_model) -> None:
        """From AppConfig.ready(): every index page of `index_model` created from now on gets it."""

        def attach(sender, instance, created=False, raw=False, **kwargs):
            if not created or raw:
                return
            workflow = self.get()
            if workflow and not WorkflowPage.objects.filter(page=instance).exists():
                WorkflowPage.objects.create(page=instance, workflow=workflow)

        post_save.connect(attach, sender=index_model, weak=False, dispatch_uid=f"review-workflow-{self.name}")
