"""Console routes: reports."""

urlpatterns: list = []
