"""Copy the old editor-only licence numbers on listings into Licence rows, unverified.

The numbers were typed by editors without a scan, so they become 待核验 licences: the owner adds
the scan and expiry date, an editor verifies, and only then does a badge show. Listings that
already have a licence of that kind keep it. Backwards: nothing to undo (the page fields stay).
"""

from django.db import migrations
from django.utils import timezone

FIELDS = {"business": "business_licence_no", "special_trade": "special_trade_permit_no"}


def copy_numbers(apps, schema_editor):
    HomestayPage = apps.get_model("homestays", "HomestayPage")
    Licence = apps.get_model("homestays", "Licence")
    existing = set(Licence.objects.values_list("listing_id", "kind"))
    now = timezone.now()
    rows = []
    for page in HomestayPage.objects.only("pk", *FIELDS.values()).iterator():
        for kind, field in FIELDS.items():
            number = " ".join((getattr(page, field) or "").split())[:60]
            if number and (page.pk, kind) not in existing:
                rows.append(Licence(listing_id=page.pk, kind=kind, number=number, created=now))
    Licence.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("homestays", "0006_availability_prices_rules_licences")]

    operations = [migrations.RunPython(copy_numbers, migrations.RunPython.noop)]
