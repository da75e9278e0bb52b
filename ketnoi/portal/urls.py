from django.urls import path

from ketnoi.channels.types.webchat import views as webchat

from . import lookup, news, views, views_procedures, views_registries
from . import petitions as petition_views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views_procedures.procedure_list, name="procedure_list"),
    path("thu-tuc/<str:code>/", views_procedures.procedure_detail, name="procedure_detail"),
    path("chat/", webchat.chat_page, name="webchat"),
    path("chat/messages/", webchat.chat_messages, name="webchat_messages"),
    # dossier lookup (issue 4)
    path("tra-cuu/", lookup.lookup, name="lookup"),
    path("tra-cuu/xac-minh/", lookup.second_factor, name="lookup_verify"),
    path("tra-cuu/<str:token>/", lookup.lookup_token, name="lookup_token"),
    path("tra-cuu/<str:token>/buu-chinh/", lookup.postal, name="lookup_postal"),
    path("tra-cuu/<str:token>/uy-quyen/", lookup.authorize, name="lookup_authorize"),
    path("tra-cuu/<str:token>/danh-gia/", lookup.rate, name="lookup_rate"),
    path("tra-cuu/<str:token>/bo-sung/", lookup.attach, name="lookup_attach"),
    path("tra-cuu/<str:token>/ket-qua/", lookup.result_file, name="lookup_result"),
    # public registries (issue 9)
    path("co-so-attp/", views_registries.food_safety_lookup, name="registry_food_safety"),
    # petitions and the business companion page (issue 8)
    path("phan-anh/", petition_views.petitions_public, name="petitions"),
    path("phan-anh/gui/", petition_views.petition_form, name="petition_submit"),
    path("phan-anh/theo-doi/", petition_views.petition_lookup, name="petition_lookup"),
    path("phan-anh/theo-doi/<str:token>/", petition_views.petition_track, name="petition_track"),
    path("phan-anh/theo-doi/<str:token>/danh-gia/", petition_views.petition_rate_view, name="petition_rate"),
    path("phan-anh/theo-doi/<str:token>/xem-xet-lai/", petition_views.petition_reopen_view, name="petition_reopen"),
    path("phan-anh/<str:code>/", petition_views.petition_public_detail, name="petition_public_detail"),
    path("doanh-nghiep/", petition_views.business_home, name="business"),
    path("doanh-nghiep/chinh-sach/", petition_views.business_policies, name="business_policies"),
    path("doanh-nghiep/chinh-sach/<uuid:uuid>/", petition_views.business_policy_detail, name="business_policy"),
    # news and policy archive (issue 7)
    path("tin-tuc/", news.news_list, name="news_list"),
    path("tin-tuc/<uuid:uuid>/", news.news_detail, name="news_detail"),
    path("doanh-nghiep/hoi-dap/", petition_views.business_questions, name="business_questions"),
]
