"""/sandbox/: the phone page; /sandbox/zalo/{oauth,openapi,business}/ + Zalo's own paths; /sandbox/control/."""

from django.urls import path, re_path

from . import business, control, followers, gateway, groups, messenger, oauth, openapi, phone

app_name = "sandbox"

zalo = [
    path("zalo/oauth/v4/oa/access_token", oauth.access_token, name="oauth_access_token"),
    path("zalo/oauth/v4/oa/permission", oauth.permission, name="oauth_permission"),
    path("zalo/openapi/v3.0/oa/message/cs", openapi.message_cs, name="message_cs"),
    path("zalo/openapi/v3.0/oa/message/template", openapi.message_template, name="message_template"),
    path("zalo/openapi/v3.0/oa/quota/message", openapi.quota_message, name="quota_message_v3"),
    path("zalo/openapi/v2.0/oa/quota/message", openapi.quota_message, name="quota_message_v2"),
    path("zalo/openapi/v2.0/oa/conversation", openapi.conversation, name="conversation"),
    path("zalo/openapi/v2.0/oa/listrecentchat", openapi.recent_chats, name="recent_chats"),
    path("zalo/openapi/v3.0/oa/group/creategroupwithoa", groups.create_group, name="group_create"),
    path("zalo/openapi/v3.0/oa/group/message", groups.group_message, name="group_message"),
    path("zalo/openapi/v3.0/oa/user/getlist", followers.user_getlist, name="user_getlist"),
    path("zalo/openapi/v3.0/oa/user/detail", followers.user_detail, name="user_detail"),
    path("zalo/openapi/v3.0/oa/user/update", followers.user_update, name="user_update"),
    path("zalo/openapi/v2.0/oa/tag/gettagsofoa", followers.tags_of_oa, name="tag_list"),
    path("zalo/openapi/v2.0/oa/tag/tagfollower", followers.tag_follower, name="tag_follower"),
    path("zalo/openapi/v2.0/oa/tag/rmfollowerfromtag", followers.untag_follower, name="tag_remove_follower"),
    path("zalo/openapi/v2.0/oa/tag/rmtag", followers.remove_tag, name="tag_remove"),
    path("zalo/openapi/v2.0/oa/getoa", followers.get_oa, name="getoa"),
    path("zalo/openapi/v2.0/oa/upload/image", followers.upload_image, name="upload_image"),
    path("zalo/openapi/v2.0/oa/upload/gif", followers.upload_gif, name="upload_gif"),
    path("zalo/openapi/v2.0/oa/upload/file", followers.upload_file, name="upload_file"),
    path("zalo/business/message/template", business.message_template, name="zbs_template"),
    path("zalo/business/message/status", business.message_status, name="zbs_status"),
    path("zalo/business/message/quota", business.message_quota, name="zbs_quota"),
    path("zalo/business/template/all", business.template_all, name="zbs_template_list"),
    path("zalo/business/template/info/v2", business.template_info, name="zbs_template_info"),
    # What Zalo no longer or never served: its error codes in its JSON shape, not an HTML page.
    re_path(r"^zalo/openapi/v2\.0/oa/message(/.*)?$", gateway.message_v2_shut_down, name="message_v2"),
    re_path(r"^zalo/(openapi|business)/", gateway.not_supported, name="not_supported"),
]

# The Messenger stand-in (Facebook's Graph API: the Send API) and its control API.
facebook = [
    path(f"facebook/{messenger.API_VERSION}/<str:page_id>/messages", messenger.send_api, name="messenger_send"),
    path("control/messenger/pages", messenger.control_pages, name="control_messenger_pages"),
    path("control/messenger/pages/<str:page_id>", messenger.control_subscribe, name="control_messenger_page"),
    path("control/messenger/start", messenger.control_start, name="control_messenger_start"),
    path("control/messenger/send", messenger.control_say, name="control_messenger_send"),
    path("control/messenger/tap", messenger.control_tap, name="control_messenger_tap"),
    path("control/messenger/age", messenger.control_age, name="control_messenger_age"),
    path("control/messenger/messages", messenger.control_messages, name="control_messenger_messages"),
    path("control/messenger/deliveries", messenger.control_deliveries, name="control_messenger_deliveries"),
]

controls = [
    path("control/oas", control.oas, name="control_oas"),
    path("control/oas/<str:oa_id>", control.oa_settings, name="control_oa"),
    path("control/oas/<str:oa_id>/token", control.oa_token, name="control_oa_token"),
    path("control/oas/<str:oa_id>/templates", control.oa_templates, name="control_oa_templates"),
    path("control/apps/<str:app_id>/token", control.app_token, name="control_app_token"),
    path("control/users", control.users, name="control_users"),
    path("control/follow", control.follow, name="control_follow"),
    path("control/unfollow", control.unfollow, name="control_unfollow"),
    path("control/send", control.send, name="control_send"),
    path("control/tap", control.tap, name="control_tap"),
    path("control/submit_info", control.submit_info, name="control_submit_info"),
    path("control/chatnow", control.chatnow, name="control_chatnow"),
    path("control/seen", control.seen, name="control_seen"),
    path("control/interaction", control.interaction, name="control_interaction"),
    path("control/messages", control.messages, name="control_messages"),
    path("control/deliveries", control.deliveries, name="control_deliveries"),
    path("control/groups", control.group_list, name="control_groups"),
    path("control/groups/join", control.group_join, name="control_group_join"),
    path("control/groups/leave", control.group_leave, name="control_group_leave"),
    path("control/groups/send", control.group_send, name="control_group_send"),
    path("control/groups/messages", control.group_messages, name="control_group_messages"),
    path("control/faults", control.fault_switch, name="control_faults"),
    path("control/reset", control.reset, name="control_reset"),
]

pages = [
    path("", phone.home, name="home"),
    path("media/<str:key>", phone.media, name="media"),
    path("follow/<str:oa_id>", phone.follow_link, name="follow_link"),
    path("chat/<str:oa_id>", phone.chat, name="chat"),
    path("chat/<str:oa_id>/messages", phone.chat_messages, name="chat_messages"),
    path("chat/<str:oa_id>/act", phone.chat_act, name="chat_act"),
    path("g/<str:code>", phone.group_link, name="group_link"),
    path("group/<str:group_id>", phone.group_chat, name="group_chat"),
    path("faults", phone.fault_form, name="faults"),
    path("messenger/<str:page_id>", messenger.chat, name="messenger_chat"),
]

urlpatterns = zalo + facebook + controls + pages
