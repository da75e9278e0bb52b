from django.db import transaction

from ketnoi.core.audit import audit_record
from ketnoi.orgs.models import AdministrativeUnit

from .models import ApiClient, hash_token, new_token


@transaction.atomic
def api_client_create(*, actor, name: str, unit: AdministrativeUnit) -> tuple[ApiClient, str]:
    """Returns the client and its token; the token is shown once and only its hash is kept."""
    token = new_token()
    client = ApiClient.objects.create(name=name, unit=unit, token_hash=hash_token(token), token_hint=token[:10])
    audit_record(
        actor=actor,
        action="api_client.create",
        target=client,
        unit_path=unit.path,
        after={"name": name, "unit": str(unit), "token_hint": client.token_hint},
    )
    return client, token
