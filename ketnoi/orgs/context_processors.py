from django.conf import settings
from django.http import HttpRequest

from .selectors import province_name


def site(request: HttpRequest) -> dict[str, str]:
    return {"province_name": province_name() or settings.PROVINCE_NAME or "ketnoi"}
