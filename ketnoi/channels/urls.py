from django.urls import path

from . import views

app_name = "channels"

urlpatterns = [
    path("<slug:type_code>/<uuid:uuid>/receive", views.receive, name="receive"),
]
