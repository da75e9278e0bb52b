"""Console routes: registries."""

urlpatterns: list = []
