"""Console routes: petitions."""

urlpatterns: list = []
