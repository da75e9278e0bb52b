"""Key rotation for data encrypted at rest (core.crypto): every encrypted column, listed here, is re-encrypted with
the current FIELD_ENCRYPTION_KEY, and every keyed hash beside one is recomputed from the decrypted value.

The operator's steps (docs/operations.md, "Keys"): put the new key in FIELD_ENCRYPTION_KEY and the old one in
FIELD_ENCRYPTION_OLD_KEYS, restart (everything still reads), run `manage.py rotate_encryption_key`, then remove
the old key and restart again. A value no configured key can read stops the command before it writes anything of
that batch, and says which row.
"""

from dataclasses import dataclass

from django.db import models, transaction

from ketnoi.api.dvcqg.models import DvcqgClient, DvcqgRecord, DvcqgRequest, RelayItem
from ketnoi.channels.models import Channel, ZaloConnection
from ketnoi.core.crypto import decrypt_json, keyed_hash, reencrypt
from ketnoi.dossiers.models import Dossier
from ketnoi.dossiers.protect import ID_HASH_PURPOSE
from ketnoi.notify.models import SendingService


@dataclass(frozen=True)
class EncryptedField:
    model: type[models.Model]
    field: str
    # a keyed hash of one decrypted value kept beside it: (hash column, purpose, key in the decrypted JSON)
    hashed: tuple[str, str, str] | None = None

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


ENCRYPTED_FIELDS: list[EncryptedField] = [
    EncryptedField(Channel, "secrets_encrypted"),
    EncryptedField(ZaloConnection, "secrets_encrypted"),
    EncryptedField(Dossier, "applicant_id_encrypted", hashed=("applicant_id_hash", ID_HASH_PURPOSE, "n")),
    EncryptedField(Dossier, "authorized_id_encrypted"),
    EncryptedField(DvcqgClient, "upstream_credentials"),
    EncryptedField(DvcqgRequest, "body_sealed"),
    EncryptedField(DvcqgRecord, "raw_sealed"),
    EncryptedField(RelayItem, "body_sealed"),
    EncryptedField(SendingService, "callback_secret_encrypted"),
]


def rotate_field(spec: EncryptedField, *, batch_size: int = 1000) -> int:
    """Re-encrypt one column in primary-key batches, one transaction each; returns the rows rewritten."""
    columns = [spec.field] + ([spec.hashed[0]] if spec.hashed else [])
    rows = spec.model._base_manager.exclude(**{spec.field: ""}).order_by("pk")
    done, after = 0, None
    while True:
        page = rows.filter(pk__gt=after) if after is not None else rows
        with transaction.atomic():
            batch = list(page.select_for_update().only("pk", *columns)[:batch_size])
            if not batch:
                return done
            for row in batch:
                token = getattr(row, spec.field)
                try:
                    setattr(row, spec.field, reencrypt(token))
                    if spec.hashed:
                        column, purpose, key = spec.hashed
                        setattr(row, column, keyed_hash(purpose, str(decrypt_json(token).get(key, ""))))
                except ValueError as exc:
                    raise ValueError(f"{spec.label} of row {row.pk}: {exc}") from exc
            spec.model._base_manager.bulk_update(batch, columns)
        done += len(batch)
        after = batch[-1].pk


def rotate_all(*, batch_size: int = 1000) -> dict[str, int]:
    return {spec.label: rotate_field(spec, batch_size=batch_size) for spec in ENCRYPTED_FIELDS}


def decryptable_sample(spec: EncryptedField, *, limit: int = 20) -> tuple[int, int]:
    """(checked, readable) over the first `limit` non-empty values: a restored backup must read with the key."""
    values = spec.model._base_manager.exclude(**{spec.field: ""}).order_by("pk").values_list(spec.field, flat=True)
    checked = readable = 0
    for token in values[:limit]:
        checked += 1
        try:
            decrypt_json(token)
            readable += 1
        except ValueError:
            pass
    return checked, readable
