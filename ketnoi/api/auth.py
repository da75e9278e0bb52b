from ninja.security import HttpBearer

from django.utils import timezone, translation

from .models import ApiClient, hash_token


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from `manage.py create_api_client`.

    The native API is for machines: its answers, service errors included, are in English whatever the
    request's language (services translate their messages when they raise)."""

    def authenticate(self, request, token: str) -> ApiClient | None:
        translation.activate("en")
        client = ApiClient.objects.select_related("unit").filter(token_hash=hash_token(token), is_active=True).first()
        if client is not None:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        return client
