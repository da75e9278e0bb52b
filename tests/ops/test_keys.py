"""Key rotation: with the new key in FIELD_ENCRYPTION_KEY and the old one in FIELD_ENCRYPTION_OLD_KEYS everything
still reads (and an ID number is still found); `manage.py rotate_encryption_key` re-encrypts every listed column
and recomputes the keyed hash, after which the old key can go. A value no key reads stops the command."""

import io

import pytest

from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models

from ketnoi.api.dvcqg.models import seal
from ketnoi.channels.models import Channel
from ketnoi.dossiers.models import Dossier
from ketnoi.dossiers.protect import reveal_id_number
from ketnoi.dossiers.selectors import dossier_list
from ketnoi.ops.keys import ENCRYPTED_FIELDS

OLD, NEW = "old-field-key-" + "a" * 30, "new-field-key-" + "b" * 30


@pytest.fixture
def written_with_old_key(settings, receive):
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = OLD, []
    dossier = receive(applicant_id_number="001203009876")
    channel = Channel.objects.create(unit=dossier.unit, type_code="zalo", name="Key OA", external_id="oa-key")
    channel.set_secrets({"access_token": "tok-rotate"})
    channel.save()
    return dossier, channel


def test_rotation_rewrites_every_value_and_hash_with_the_new_key(settings, world, written_with_old_key):
    dossier, channel = written_with_old_key
    before = Dossier.objects.values("applicant_id_encrypted", "applicant_id_hash", "updated_at").get(pk=dossier.pk)

    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = NEW, [OLD]
    assert reveal_id_number(before["applicant_id_encrypted"]) == "001203009876"  # read with the old key
    assert list(dossier_list(official=world.desk_a, query="001203009876")) == [dossier]  # found by the old hash

    out = io.StringIO()
    call_command("rotate_encryption_key", "--batch-size", "1", stdout=out)
    assert "dossiers.Dossier.applicant_id_encrypted: 1 re-encrypted" in out.getvalue()

    settings.FIELD_ENCRYPTION_OLD_KEYS = []  # the old key is gone
    after = Dossier.objects.values("applicant_id_encrypted", "applicant_id_hash", "updated_at").get(pk=dossier.pk)
    assert after["applicant_id_encrypted"] != before["applicant_id_encrypted"]
    assert after["applicant_id_hash"] != before["applicant_id_hash"]
    assert after["updated_at"] == before["updated_at"]  # rotation is not a change of the dossier
    assert reveal_id_number(after["applicant_id_encrypted"]) == "001203009876"
    assert list(dossier_list(official=world.desk_a, query="001203009876")) == [dossier]
    assert Channel.objects.get(pk=channel.pk).secrets == {"access_token": "tok-rotate"}


def test_without_the_old_key_nothing_reads_and_rotation_says_which_row(settings, written_with_old_key):
    dossier, _channel = written_with_old_key
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = NEW, []
    with pytest.raises(ValueError, match="FIELD_ENCRYPTION_OLD_KEYS"):
        reveal_id_number(Dossier.objects.get(pk=dossier.pk).applicant_id_encrypted)
    with pytest.raises(CommandError, match=r"Channel.secrets_encrypted of row \d+"):
        call_command("rotate_encryption_key", stdout=io.StringIO())


@pytest.mark.usefixtures("written_with_old_key")
def test_every_encrypted_column_is_listed_for_rotation():
    """Any stored value that looks like a Fernet token must be in ops.keys.ENCRYPTED_FIELDS, or rotation (and the
    restore drill) would miss it."""
    assert seal("x").startswith("gAAAAA")
    listed = {(spec.model, spec.field) for spec in ENCRYPTED_FIELDS}
    found = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            text = isinstance(field, (models.TextField, models.CharField))
            if text and model._base_manager.filter(**{f"{field.name}__startswith": "gAAAAA"}).exists():
                found.add((model, field.name))
    assert (Dossier, "applicant_id_encrypted") in found
    assert found <= listed, found - listed
