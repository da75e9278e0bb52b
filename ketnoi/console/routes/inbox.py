"""Console routes: inbox."""

urlpatterns: list = []
