"""Editors and Moderators manage producers, service stations and 一村一品 (add/change/delete/view).

Wagtail gives these groups page permissions only; snippet permissions are per model. Granted in a
migration so every installation (and the test database) has them without manual setup.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODELS = ("producer", "servicestation", "villageproduct")
GROUPS = ("Editors", "Moderators")


def grant(apps, schema_editor):
    app_config = apps.get_app_config("products")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="products",
        content_type__model__in=MODELS,
        codename__in=[f"{action}_{model}" for action in ("add", "change", "delete", "view") for model in MODELS],
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="products", content_type__model__in=MODELS)
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0002_products_producers_stations"),
        ("wagtailcore", "0002_initial_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
