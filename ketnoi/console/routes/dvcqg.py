"""Console routes: dvcqg."""

urlpatterns: list = []
