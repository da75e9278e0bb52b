from ninja.security import HttpBearer

from django.utils import timezone

from .models import ApiClient, hash_token


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from `manage.py create_api_client`."""

    def authenticate(self, request, token: str) -> ApiClient | None:
        client = ApiClient.objects.select_related("unit").filter(token_hash=hash_token(token), is_active=True).first()
        if client is not None:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        return client
