from django.urls import path

from ketnoi.channels.types.webchat import views as webchat

from . import views, views_procedures

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views_procedures.procedure_list, name="procedure_list"),
    path("thu-tuc/<str:code>/", views_procedures.procedure_detail, name="procedure_detail"),
    path("chat/", webchat.chat_page, name="webchat"),
    path("chat/messages/", webchat.chat_messages, name="webchat_messages"),
]
