from django.urls import path

from ketnoi.channels.types.webchat import views as webchat

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("chat/", webchat.chat_page, name="webchat"),
    path("chat/messages/", webchat.chat_messages, name="webchat_messages"),
]
