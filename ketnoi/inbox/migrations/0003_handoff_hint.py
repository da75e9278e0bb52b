"""Existing hand-offs set the hint on their person (contacts 0005): an active one, or a closed one not given back to
the assistant (it may reopen). A hint set in excess clears itself at the person's next message."""

from django.db import migrations


def set_hints(apps, schema_editor):
    Handoff = apps.get_model("inbox", "Handoff")
    ChannelContact = apps.get_model("contacts", "ChannelContact")
    people = Handoff.objects.filter(returned_to_bot=False).values("channel_contact_id")
    ChannelContact.objects.filter(pk__in=people).update(handoff_hint=True)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0002_handoff_transfer"),
        ("contacts", "0005_handoff_hint"),
    ]

    operations = [migrations.RunPython(set_hints, migrations.RunPython.noop)]
