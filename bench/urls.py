"""The project's URLs plus the baselines the benchmarks compare against, on the same server."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as project_urlpatterns


@csrf_exempt
def bare(request):
    """A bare Django endpoint: the floor any webhook view stands on (middleware, routing, a response)."""
    return HttpResponse(b'{"ok":true}', content_type="application/json")


urlpatterns = [path("bench/bare", bare), *project_urlpatterns]
