"""Editors may change 门户设置 (site name, contact, footer, ICP number, map tiles).

The README and docs/map.md promise editors can switch the tile provider without a redeploy; Wagtail
shows a site setting only to users with its change permission, which no group had. Granted in a
migration, as products/0003 grants snippet permissions, so every installation and the test
database have it without manual setup. Owners (homestay owners) are not Editors and stay refused.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
CODENAMES = ("change_portalsettings", "view_portalsettings")


def grant(apps, schema_editor):
    app_config = apps.get_app_config("portal")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="portal", content_type__model="portalsettings", codename__in=CODENAMES)
    for group in Group.objects.filter(name=GROUP):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="portal", content_type__model="portalsettings", codename__in=CODENAMES)
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_chinese_admin_labels"),
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
