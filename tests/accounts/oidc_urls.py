"""The project's URLs with single sign-on switched on, as config/urls.py does when OIDC_RP_CLIENT_ID is set."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls")), *project_urlpatterns]
