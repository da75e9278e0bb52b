"""Console routes: broadcasts."""

urlpatterns: list = []
