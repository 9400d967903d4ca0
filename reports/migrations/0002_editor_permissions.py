"""The office's editors handle every county's reports and publish alerts, present after every
`migrate` (tests included). County handlers get their group from the demo or an administrator."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_GROUPS = ("Editors", "Moderators")
CODENAMES = (
    "view_report",
    "change_report",
    "handle_all_counties",
    "add_alert",
    "change_alert",
    "delete_alert",
    "view_alert",
    "add_countydesk",
    "change_countydesk",
    "view_countydesk",
    "change_reportsettings",
)


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("reports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="reports", codename__in=CODENAMES))
    for name in EDITOR_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length"), ("wagtailcore", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
