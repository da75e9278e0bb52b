from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from ketnoi.api.api import api, api_not_found

urlpatterns = [
    path("", include("ketnoi.ops.urls")),  # /healthz, /readyz, /metrics
    path("console/", include("ketnoi.console.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),  # JSON, in the wire's shape, for a path the API does not have
    path("api/dvcqg/", include("ketnoi.api.dvcqg.urls")),
    path("c/", include("ketnoi.channels.urls")),
    path("django-admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("ketnoi.portal.urls")),
]

if getattr(settings, "OIDC_RP_CLIENT_ID", ""):
    # Optional single sign-on (ketnoi/accounts/oidc.py): /oidc/authenticate/ and /oidc/callback/.
    urlpatterns.insert(0, path("oidc/", include("mozilla_django_oidc.urls")))

if apps.is_installed("ketnoi.sandbox"):
    # Only development and test settings install the sandbox; production settings refuse it.
    urlpatterns.insert(0, path("sandbox/", include("ketnoi.sandbox.urls")))
