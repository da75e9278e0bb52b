"""Links made from a phone someone typed in Zalo's share-your-information form stop: that phone was never proven.
A link stays only where the person's Contact has since proven the dossier's phone with a one-time code."""

from django.db import migrations
from django.db.models import F


def unproven_links_off(apps, schema_editor):
    DossierLink = apps.get_model("dossiers", "DossierLink")
    DossierLink.objects.filter(method="shared_phone", is_active=True).exclude(
        channel_contact__contact__phone=F("dossier__applicant_phone")
    ).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0004_reports_change_indexes"), ("contacts", "0003_shared_phone_index")]

    operations = [migrations.RunPython(unproven_links_off, migrations.RunPython.noop)]
