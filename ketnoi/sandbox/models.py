"""The sandbox's own state: apps, OAs, grants, Zalo users, followers, the message sink, uploads, webhook deliveries,
the fault switch and the per-app request counter. Nothing outside the sandbox reads these tables."""

from django.db import models
from django.utils import timezone

from . import ids


class SandboxApp(models.Model):
    app_id = models.CharField(max_length=20, unique=True, default=ids.numeric_id)
    secret_key = models.CharField(max_length=64, default=ids.secret)
    name = models.CharField(max_length=200)
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: the default.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"


class SandboxOA(models.Model):
    oa_id = models.CharField(max_length=20, unique=True, default=ids.numeric_id)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="oas")
    name = models.CharField(max_length=200)
    secret_key = models.CharField(max_length=64, default=ids.secret, help_text="OA secret key: signs webhooks.")
    webhook_url = models.URLField(max_length=500, blank=True)
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Grant(models.Model):
    """One access + refresh token pair issued to an app for an OA. A refresh token works once."""

    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE, related_name="grants")
    access_token = models.CharField(max_length=100, unique=True, default=ids.token)
    access_expires_at = models.DateTimeField()
    refresh_token = models.CharField(max_length=100, unique=True, default=ids.token)
    refresh_expires_at = models.DateTimeField()
    refresh_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, help_text="Set: the access token is invalid (-216).")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"grant {self.pk} for {self.oa_id}"


class AuthCode(models.Model):
    """An authorization code from the OA admin's consent: valid 10 minutes, usable once."""

    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE)
    code = models.CharField(max_length=100, unique=True, default=ids.token)
    code_challenge = models.CharField(max_length=100, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code for {self.oa_id}"


class ZaloUser(models.Model):
    """A person with a Zalo account (the phone). Each OA sees them under its own user_id (Follower)."""

    uid = models.CharField(max_length=20, unique=True, default=ids.numeric_id)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True, help_text="84xxxxxxxxx")
    address = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Follower(models.Model):
    """A user as one OA knows them: OA-scoped user_id, follow state, last interaction (for the windows)."""

    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE, related_name="followers")
    person = models.ForeignKey(ZaloUser, on_delete=models.CASCADE, related_name="followings")
    user_id = models.CharField(max_length=20, unique=True, default=ids.numeric_id)
    user_id_by_app = models.CharField(max_length=20, default=ids.numeric_id)
    is_follower = models.BooleanField(default=False)
    followed_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    dynamic_param = models.CharField(max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)
    shared_info = models.JSONField(default=dict, blank=True)
    alias = models.CharField(max_length=100, blank=True, help_text="user_alias, set by the OA (user/update).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["oa", "person"], name="sandbox_follower_once_per_oa")]

    def __str__(self) -> str:
        return self.user_id


class Message(models.Model):
    """The sink: every message the sandbox accepted from an OA (direction out), and what users sent (in)."""

    OUT, IN = "out", "in"
    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE, related_name="messages")
    follower = models.ForeignKey(Follower, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    phone = models.CharField(max_length=20, blank=True)
    direction = models.CharField(max_length=3, default=OUT)
    endpoint = models.CharField(max_length=40, help_text="cs, template, zbs, or the user's event name")
    msg_id = models.CharField(max_length=40, unique=True, default=ids.message_id)
    tracking_id = models.CharField(max_length=48, blank=True)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict)
    cost = models.PositiveIntegerField(default=0)
    window = models.CharField(max_length=10, blank=True, help_text="free or paid (CS messages)")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["oa", "tracking_id"], condition=~models.Q(tracking_id=""), name="sandbox_tracking_id_once"
            )
        ]

    def __str__(self) -> str:
        return self.msg_id


class Template(models.Model):
    """A ZBS template of an OA, as Zalo's console holds it after approval: listed by /template/all, described by
    /template/info/v2. Sends by template id are not checked against this list (ketnoi's demo ids are stand-ins)."""

    ENABLE, PENDING_REVIEW, REJECT, DISABLE = "ENABLE", "PENDING_REVIEW", "REJECT", "DISABLE"
    STATUS_CODES = {ENABLE: 1, PENDING_REVIEW: 2, REJECT: 3, DISABLE: 4}  # the `status` filter of /template/all
    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE, related_name="templates")
    template_id = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, default=ENABLE)
    quality = models.CharField(max_length=10, default="HIGH", help_text="HIGH, MEDIUM, LOW or UNDEFINED")
    tag = models.CharField(max_length=20, default="TRANSACTION", help_text="TRANSACTION, CUSTOMER_CARE, PROMOTION")
    params = models.JSONField(default=list, help_text='[{"name", "require", "type", "maxLength", "minLength", ...}]')
    price = models.PositiveIntegerField(default=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["oa", "template_id"], name="sandbox_template_once_per_oa")]

    def __str__(self) -> str:
        return f"{self.template_id} {self.name}"


class Upload(models.Model):
    IMAGE, FILE, GIF = "image", "file", "gif"
    oa = models.ForeignKey(SandboxOA, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10)
    key = models.CharField(max_length=100, unique=True, default=ids.token, help_text="attachment_id or file token")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    content = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.filename


class WebhookDelivery(models.Model):
    """One event sent to an OA's webhook URL, with every attempt: [{"at", "status", "error", "num_retry"}]."""

    PENDING, DELIVERED, FAILED, DROPPED = "pending", "delivered", "failed", "dropped"
    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE, related_name="deliveries")
    event_name = models.CharField(max_length=60)
    url = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    signature = models.CharField(max_length=80)
    state = models.CharField(max_length=10, default=PENDING)
    attempts = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.event_name} ({self.state})"


class FaultSwitch(models.Model):
    """Faults for a scope: "global", "app:<app_id>" or "oa:<oa_id>"."""

    scope = models.CharField(max_length=40, unique=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error_rate = models.FloatField(default=0, help_text="Fraction of requests answered with HTTP 503.")
    timeout_rate = models.FloatField(default=0, help_text="Fraction that sleep past timeout_seconds, unprocessed.")
    lost_response_rate = models.FloatField(default=0, help_text="Fraction processed, then answered too late.")
    timeout_seconds = models.FloatField(null=True, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    drop_webhooks = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.scope


class RequestCount(models.Model):
    """Requests per app per second; the rolling 60-second sum is the rate limit's count."""

    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE)
    second = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "second"], name="sandbox_request_count_slot")]

    def __str__(self) -> str:
        return f"{self.app_id}@{self.second}: {self.count}"


# -- the Messenger stand-in (issue 22): a Facebook page, the people who write to it, its messages --------------------


class SandboxPage(models.Model):
    """A Facebook page with its app: the page access token sends, the app secret signs webhooks, the verify token is
    what the page's webhook subscription must echo back (Facebook's GET handshake)."""

    page_id = models.CharField(max_length=20, unique=True, default=ids.page_id)
    name = models.CharField(max_length=200)
    app_secret = models.CharField(max_length=64, default=ids.secret)
    access_token = models.CharField(max_length=100, unique=True, default=ids.token)
    verify_token = models.CharField(max_length=64, default=ids.secret)
    webhook_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PageThread(models.Model):
    """A person's conversation with a page: their page-scoped id (PSID) and their last message (the window)."""

    page = models.ForeignKey(SandboxPage, on_delete=models.CASCADE, related_name="threads")
    person = models.ForeignKey(ZaloUser, on_delete=models.CASCADE, related_name="page_threads")
    psid = models.CharField(max_length=20, unique=True, default=ids.page_id)
    started_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page", "person"], name="sandbox_thread_once_per_page")]

    def __str__(self) -> str:
        return self.psid


class PageMessage(models.Model):
    """Every message in a thread: the page's (out, with the Send API body it came in) and the person's (in)."""

    OUT, IN = "out", "in"
    thread = models.ForeignKey(PageThread, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, default=OUT)
    mid = models.CharField(max_length=60, unique=True, default=ids.page_message_id)
    text = models.TextField(blank=True)
    message = models.JSONField(default=dict, help_text="The Send API's `message`, or what the person sent.")
    messaging_type = models.CharField(max_length=20, blank=True)
    tag = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.mid


class PageDelivery(models.Model):
    """One webhook POST to a page's callback URL, with every attempt: [{"at", "status", "error"}]."""

    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
    page = models.ForeignKey(SandboxPage, on_delete=models.CASCADE, related_name="deliveries")
    field = models.CharField(max_length=40, help_text="message, postback, referral, delivery...")
    psid = models.CharField(max_length=20, blank=True)
    url = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    signature = models.CharField(max_length=80)
    state = models.CharField(max_length=10, default=PENDING)
    attempts = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.field} ({self.state})"


class SandboxGroup(models.Model):
    """A group chat an OA owns (GMF): created by /v3.0/oa/group/creategroupwithoa, joined by its link."""

    oa = models.ForeignKey(SandboxOA, on_delete=models.CASCADE, related_name="groups")
    group_id = models.CharField(max_length=24, unique=True, default=ids.group_id)
    link_code = models.CharField(max_length=16, unique=True, default=ids.link_code)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=500, blank=True)
    dispersed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class SandboxGroupMember(models.Model):
    """A Zalo user in a group (by their id on the group's OA); left_at set when they leave."""

    group = models.ForeignKey(SandboxGroup, on_delete=models.CASCADE, related_name="members")
    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="group_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "follower"], name="sandbox_group_member_once")]

    def __str__(self) -> str:
        return f"{self.follower_id} in {self.group_id}"


class GroupMessage(models.Model):
    """What was said in a group: the OA's posts (out) and members' messages (in)."""

    OUT, IN = "out", "in"
    group = models.ForeignKey(SandboxGroup, on_delete=models.CASCADE, related_name="messages")
    follower = models.ForeignKey(Follower, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, default=OUT)
    msg_id = models.CharField(max_length=40, unique=True, default=ids.message_id)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.msg_id
