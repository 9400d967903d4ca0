"""Groups, permissions and the 民宿审核 workflow, present after every `migrate` (tests included).

- "民宿业主 Homestay owners": admin access and viewing inquiries (which ones: homestays.permissions).
  Each owner's page and image permissions live in a group of their own (homestays.owners).
- Editors and Moderators: manage owners/licences/all inquiries, view and delete inquiries.
- 民宿审核: one GroupApprovalTask for Editors and Moderators, attached to every homestay index;
  new indexes are attached by homestays.workflow.REVIEW (portal.workflow).

Uses the historical models, as Wagtail's own 0048_add_default_workflows does.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OWNERS_GROUP = "民宿业主 Homestay owners"
EDITOR_GROUPS = ("Editors", "Moderators")
WORKFLOW_NAME = "民宿审核"
TASK_NAME = "民宿审核：编辑审批"


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("homestays")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")

    admin_ct, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(content_type=admin_ct, codename="access_admin", defaults={"name": "Can access Wagtail admin"})
    view_inquiry = Permission.objects.get(content_type__app_label="homestays", codename="view_inquiry")
    delete_inquiry = Permission.objects.get(content_type__app_label="homestays", codename="delete_inquiry")
    manage = Permission.objects.get(content_type__app_label="homestays", codename="manage_homestays")

    owners, _ = Group.objects.get_or_create(name=OWNERS_GROUP)
    owners.permissions.add(access_admin, view_inquiry)
    reviewers = []
    for name in EDITOR_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(manage, view_inquiry, delete_inquiry)
        reviewers.append(group)

    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    HomestayIndexPage = apps.get_model("homestays", "HomestayIndexPage")

    task_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME, content_type=task_ct, active=True)
    task.groups.add(*reviewers)
    workflow = Workflow.objects.filter(name=WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW_NAME, active=True)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for index in HomestayIndexPage.objects.all():
        if not WorkflowPage.objects.filter(page_id=index.pk).exists():
            WorkflowPage.objects.create(page_id=index.pk, workflow=workflow)


def backwards(apps, schema_editor):
    Workflow = apps.get_model("wagtailcore", "Workflow")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Workflow.objects.filter(name=WORKFLOW_NAME).delete()
    GroupApprovalTask.objects.filter(name=TASK_NAME).delete()
    Group.objects.filter(name=OWNERS_GROUP).delete()
    perms = Permission.objects.filter(content_type__app_label="homestays", codename__in=("manage_homestays", "view_inquiry", "delete_inquiry"))
    for group in Group.objects.filter(name__in=EDITOR_GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("homestays", "0002_homestaypage_rooms_gallery_inquiry"),
        ("wagtailcore", "0048_add_default_workflows"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
