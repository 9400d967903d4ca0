"""best_months moves from a JSON list to portal.fields.MonthsField (",6,7,8,"), the one list field
every app uses, so "best in July" can be a plain query on SQLite and PostgreSQL alike. The months
are copied through a new column, so no database has to cast JSON to text."""

from django.db import migrations

import portal.fields


def copy_months(apps, schema_editor):
    RoutePage = apps.get_model("routes", "RoutePage")
    for page in RoutePage.objects.only("pk", "best_months"):
        months = sorted({int(m) for m in page.best_months or [] if str(m).isdigit() and 1 <= int(m) <= 12})
        RoutePage.objects.filter(pk=page.pk).update(best_months_list=months)


def copy_back(apps, schema_editor):
    RoutePage = apps.get_model("routes", "RoutePage")
    for page in RoutePage.objects.only("pk", "best_months_list"):
        RoutePage.objects.filter(pk=page.pk).update(best_months=list(page.best_months_list))


class Migration(migrations.Migration):
    dependencies = [("routes", "0003_chinese_admin_labels")]

    operations = [
        migrations.AddField(
            model_name="routepage",
            name="best_months_list",
            field=portal.fields.MonthsField(blank=True, default=list, verbose_name="最佳月份"),
        ),
        migrations.RunPython(copy_months, copy_back),
        migrations.RemoveField(model_name="routepage", name="best_months"),
        migrations.RenameField(model_name="routepage", old_name="best_months_list", new_name="best_months"),
    ]
