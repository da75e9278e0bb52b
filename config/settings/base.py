"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import cache_from_url, env_bool, env_float, env_int, env_list, env_str, night_hours_setting

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSECURE_DEFAULT_SECRET_KEY = "ketnoi-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
# Separate key for data encrypted at rest (channel tokens, ID numbers, DVCQG payloads) and for the keyed hash that
# finds an ID number, so rotating SECRET_KEY loses nothing. Production refuses to start without its own.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", SECRET_KEY)
# Keys used before, still read while `manage.py rotate_encryption_key` re-encrypts everything with the current one.
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address citizens and providers reach this deployment at (webhook URLs, QR codes, lookup links).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed (ketnoi.core.proxies): the client's
# address is then the first hop from the right that is not one of them. Empty: the header is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")

KETNOI_APPS = [
    "ketnoi.core",
    "ketnoi.orgs",
    "ketnoi.accounts",
    "ketnoi.channels",
    "ketnoi.contacts",
    "ketnoi.outbox",
    "ketnoi.procedures",
    "ketnoi.dossiers",
    "ketnoi.petitions",
    "ketnoi.broadcasts",
    "ketnoi.registries",
    "ketnoi.documents",
    "ketnoi.notify",
    "ketnoi.reports",
    "ketnoi.inbox",
    "ketnoi.conversations",
    "ketnoi.pipeline",  # the inbound pipeline: a webhook event through the domains to the reply
    "ketnoi.console",
    "ketnoi.portal",
    "ketnoi.ops",
    "ninja",
    "ketnoi.api",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    *KETNOI_APPS,
]

MIDDLEWARE = [
    "ketnoi.core.proxies.TrustedProxyMiddleware",  # first: everything after sees the citizen's address
    "ketnoi.core.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ketnoi.core.apipath.ApiFastPathMiddleware",  # /api/v1/ (machines, bearer tokens) goes straight to the view
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ketnoi.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketnoi.accounts.middleware.AccountSecurityMiddleware",  # deactivated, idle, second factor (issue 18)
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "ketnoi.core.apipath.ApiFastPathEnd",  # last: what ApiFastPathMiddleware calls for the API
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ketnoi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketnoi.orgs.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'ketnoi.sqlite3'}"),
        # Keep connections between requests: opening a PostgreSQL connection costs more than a webhook's work.
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A bounded pool of connections per process (psycopg_pool through Django's OPTIONS "pool"): DB_POOL_MAX_SIZE
    # connections at most, shared by the process's threads, instead of one per thread kept for DB_CONN_MAX_AGE.
    if (pool_max := env_int("DB_POOL_MAX_SIZE", 0)) > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django requires it with a pool
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN_SIZE", 1),
            "max_size": pool_max,
            "timeout": env_float("DB_POOL_TIMEOUT", 30),
        }
    # Behind PgBouncer in transaction mode: no server-side cursors and no prepared statements, which live in a
    # server session that the next transaction may not get.
    if env_bool("DB_PGBOUNCER", False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    # Django's backend with a health check that needs no round trip while the server has said nothing
    # (ketnoi/core/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "ketnoi.core.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the workers and the sandbox share one SQLite file without "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Optional single sign-on (OpenID Connect) for provinces with an identity provider: ketnoi/accounts/oidc.py.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
if OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("ketnoi.accounts.oidc.OfficialOIDCBackend")
    OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
    OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
    OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email")
    OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "")
    OIDC_CREATE_USER = False
    OIDC_USE_PKCE = True
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"

# Lockout after repeated failed logins (django-axes): per username and address.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password"]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# KETNOI_LOCALE_DIR lets the translation test run makemessages against a copy of the catalog.
LOCALE_PATHS = [Path(env_str("KETNOI_LOCALE_DIR", str(BASE_DIR / "ketnoi" / "locale")))]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))  # nginx serves it at /static/
# Files served at the site root (favicon.ico): browsers ask for it on every page, a 404 each time floods the log.
WHITENOISE_ROOT = BASE_DIR / "ketnoi" / "core" / "root"
# Uploaded files (citizens' photos and documents, results) are private: the default storage has no URL
# (ketnoi.core.storage.PrivateStorage) and views serve each file to whoever may see it. Never serve MEDIA_ROOT.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "ketnoi.core.storage.PrivateStorage"},  # no public URL: served through views
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Several web machines share uploads through an S3-compatible store (MinIO, Ceph, a cloud's object storage):
# FILE_STORAGE=s3. The bucket stays private; files are still served only through the same scoped views.
FILE_STORAGE = env_str("FILE_STORAGE", "local")
if FILE_STORAGE == "s3":
    STORAGES["default"] = {
        "BACKEND": "ketnoi.core.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", ""),
            "location": env_str("S3_PREFIX", "media"),
            "addressing_style": env_str("S3_ADDRESSING_STYLE", "path"),
        },
    }
elif FILE_STORAGE != "local":
    raise ImproperlyConfigured("FILE_STORAGE must be local or s3.")

# The cache every process shares: rate limits (portal lookups, password-reset mails), metrics counters, small
# caches. Use Redis in production (CACHE_URL=redis://127.0.0.1:6379/0): with several web workers or machines a
# local-memory cache lets each process count alone, and a limit of 10 a minute lets 10 through per process.
CACHES = {
    "default": cache_from_url(env_str("CACHE_URL", "locmem://"), key_prefix=env_str("CACHE_KEY_PREFIX", "ketnoi"))
}

# Content-Security-Policy on every page of the console and the portal (django-csp): scripts only from our own
# static files (no inline script or handler: a stored javascript: link or injected <script> cannot run), no
# plug-ins, forms and frames on this site only. Style attributes stay allowed (style-src-attr; they cannot run
# script), <style> elements do not. Images may come from https hosts (a broadcast's or a news item's picture).
# The sandbox (development and tests only) keeps its own inline phone script.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/sandbox/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10  # one working day
# Officials' sessions end after this long without a request (ketnoi.accounts.middleware).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30) * 60

# Two-step sign-in (django-otp): required for these roles (ketnoi.accounts.policy), optional for the others.
SECOND_FACTOR_ROLES = env_list("SECOND_FACTOR_ROLES", "system_admin,unit_admin,leader")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "ketnoi")
# If set, the first-run page (/console/setup/, open only while no administrator exists) asks for it.
SETUP_TOKEN = env_str("SETUP_TOKEN", "")
# Invitation and reset links (hours).
ACCOUNT_LINK_HOURS = {"invite": env_int("INVITE_LINK_HOURS", 72), "reset": env_int("RESET_LINK_HOURS", 2)}

# Mail (invitations, password resets). Without EMAIL_HOST, mail is written to the log of the web process.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ketnoi@localhost")
X_FRAME_OPTIONS = "DENY"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "inbound", "outbox", "bulk"],
    }
}

# The largest request body each machine-facing wire accepts, in bytes. Beyond it the caller gets 413 in that
# wire's own error shape (ketnoi/core/bodylimit.py; the webhooks' CHANNEL_WEBHOOK_MAX_BYTES in channels/views.py);
# Django's DATA_UPLOAD_MAX_MEMORY_SIZE stays for forms.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 5 * 1024 * 1024)  # /api/v1/, Open311 included
DVCQG_MAX_BODY_BYTES = env_int("DVCQG_MAX_BODY_BYTES", 20 * 1024 * 1024)  # /api/dvcqg/: 1,000 full dossiers

# Channel types (plug-ins behind ketnoi.channels.types.base.ChannelType), as dotted paths.
CHANNEL_TYPES: list[str] = [
    "ketnoi.channels.types.zalo.type.ZaloType",
    "ketnoi.channels.types.webchat.type.WebChatType",
    "ketnoi.channels.types.sms.type.SmsType",
    "ketnoi.channels.types.messenger.type.MessengerType",
]
# Facebook's Graph API (the Messenger channel type's Send API). Development and tests point it at the sandbox's
# stand-in; the other unconfirmed points of Messenger are in ketnoi/channels/types/messenger/assumptions.py.
MESSENGER_GRAPH_BASE = env_str("MESSENGER_GRAPH_BASE", "https://graph.facebook.com/v25.0")
MESSENGER_UPDATE_TAG = env_str("MESSENGER_UPDATE_TAG", "ACCOUNT_UPDATE")
MESSENGER_HUMAN_AGENT_TAG = env_str("MESSENGER_HUMAN_AGENT_TAG", "HUMAN_AGENT")
MESSENGER_WEBHOOK_MAX_AGE_SECONDS = env_int("MESSENGER_WEBHOOK_MAX_AGE_SECONDS", 6 * 3600)
MESSENGER_HTTP_TIMEOUT = env_int("MESSENGER_HTTP_TIMEOUT", 10)

# Zalo's hosts. Development and tests point these at the sandbox; see ketnoi/channels/types/zalo/.
ZALO_OAUTH_BASE = env_str("ZALO_OAUTH_BASE", "https://oauth.zaloapp.com")
ZALO_OPENAPI_BASE = env_str("ZALO_OPENAPI_BASE", "https://openapi.zalo.me")
ZALO_BUSINESS_BASE = env_str("ZALO_BUSINESS_BASE", "https://business.openapi.zalo.me")
# Where follow links and QR codes send a citizen (https://zalo.me/<oa_id>).
ZALO_FOLLOW_BASE = env_str("ZALO_FOLLOW_BASE", "https://zalo.me")
# Unconfirmed points of the Zalo integration: see ketnoi/channels/types/zalo/assumptions.py for each.
ZALO_WEBHOOK_MAX_AGE_SECONDS = env_int("ZALO_WEBHOOK_MAX_AGE_SECONDS", 600)
ZALO_WEBHOOK_MAX_FUTURE_SECONDS = env_int("ZALO_WEBHOOK_MAX_FUTURE_SECONDS", 300)
ZALO_PAID_CS_COST = env_int("ZALO_PAID_CS_COST", 55)
ZALO_TEMPLATE_COST = env_int("ZALO_TEMPLATE_COST", 300)
ZALO_APPSECRET_PROOF = env_bool("ZALO_APPSECRET_PROOF", False)
# Webhooks and the web chat may carry a citizen's very long message (or a 10 MB document): read up to this much, past
# Django's 2.5 MB form limit, so it is kept and answered in words; more is refused with 413.
CHANNEL_WEBHOOK_MAX_BYTES = env_int("CHANNEL_WEBHOOK_MAX_BYTES", 12 * 1024 * 1024)
ZALO_TOKEN_REFRESH_AHEAD_SECONDS = env_int("ZALO_TOKEN_REFRESH_AHEAD_SECONDS", 5 * 3600)

# Outbox (ketnoi/outbox/conf.py lists every OUTBOX_* setting and its default). Quota buckets live in the
# database unless Redis is configured; use Redis when dispatchers run on several machines.
RATE_LIMIT_REDIS_URL = env_str("RATE_LIMIT_REDIS_URL", "")
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 120)

SCHEDULER_HEARTBEAT_SECONDS = env_int("SCHEDULER_HEARTBEAT_SECONDS", 30)
# Periodic jobs run by `manage.py run_scheduler` (see ketnoi/outbox/scheduler.py); later issues append theirs.
SCHEDULED_JOBS: list[dict] = [
    # the scheduler's heartbeat, read by /readyz (READY_SCHEDULER_MAX_AGE_SECONDS)
    {
        "name": "scheduler.heartbeat",
        "func": "ketnoi.outbox.scheduler.heartbeat_job",
        "seconds": SCHEDULER_HEARTBEAT_SECONDS,
    },
    {"name": "outbox.sweep_stuck", "func": "ketnoi.outbox.scheduler.sweep_job", "seconds": 60},
    {
        "name": "zalo.refresh_tokens",
        "func": "ketnoi.channels.types.zalo.tokens.refresh_expiring_tokens",
        "seconds": 15 * 60,
        "optional": True,
    },
    {"name": "channels.retry_failed_events", "func": "ketnoi.channels.tasks.retry_failed_events", "seconds": 5 * 60},
    {"name": "calendar.seed_years", "func": "ketnoi.orgs.calendar.seed_current_years", "cron": {"hour": 1}},
    {"name": "dossiers.prompt_apologies", "func": "ketnoi.dossiers.jobs.prompt_apologies", "cron": {"hour": 7}},
    # reports (issue 9): recompute the daily tables for the days touched since the last run
    {"name": "reports.refresh", "func": "ketnoi.reports.aggregation.refresh_job", "seconds": 10 * 60},
    {"name": "broadcasts.start_due", "func": "ketnoi.broadcasts.jobs.start_due_broadcasts", "seconds": 30},
    {"name": "broadcasts.finish_sent", "func": "ketnoi.broadcasts.jobs.finish_sent_broadcasts", "seconds": 30},
    {"name": "broadcasts.resume_fanouts", "func": "ketnoi.broadcasts.jobs.resume_stalled_fanouts", "seconds": 60},
    {"name": "broadcasts.night_hold", "func": "ketnoi.broadcasts.jobs.night_hold", "seconds": 60},
    {"name": "broadcasts.meeting_reminders", "func": "ketnoi.broadcasts.jobs.send_meeting_reminders", "seconds": 60},
    # inbox (issue 6): conversations left by the citizen for INBOX_AUTO_CLOSE_DAYS go back to the assistant
    {"name": "inbox.close_idle", "func": "ketnoi.inbox.jobs.close_idle_job", "seconds": 15 * 60},
    {"name": "dvcqg.relay", "func": "ketnoi.api.dvcqg.tasks.relay_job", "seconds": 20},
    # notifications API (issue 21): statuses the dispatcher decided, signed callbacks, dossier/petition events
    {"name": "notify.track", "func": "ketnoi.notify.tasks.track_job", "seconds": 10},
    {"name": "notify.callbacks", "func": "ketnoi.notify.tasks.callbacks_job", "seconds": 20},
    {"name": "notify.events", "func": "ketnoi.notify.tasks.events_job", "seconds": 30},
    # petitions (issue 8): reminders and escalations (each fires once), closing after the reopening period
    {"name": "petitions.deadlines", "func": "ketnoi.petitions.jobs.deadlines_job", "seconds": 60 * 60},
    {"name": "petitions.close_expired", "func": "ketnoi.petitions.jobs.close_expired_job", "cron": {"hour": 2}},
    # documents to process (issue 15): each open document reminded once when its deadline is a working day away
    # Thai Binh's daily report of businesses' petitions, each working morning to its subscribers (issue 15)
    {
        "name": "reports.business_digest",
        "func": "ketnoi.console.jobs.business_digest_job",
        "cron": {"hour": 7, "minute": 30},
    },
    {"name": "documents.remind_due", "func": "ketnoi.documents.jobs.remind_due_job", "seconds": 30 * 60},
    # data lifecycle (issue 19): records past their retention period (RETENTION_DAYS), finished background tasks
    {
        "name": "ops.prune_retained",
        "func": "ketnoi.ops.retention.prune_job",
        "cron": {"hour": 3},
        "lock_seconds": 3 * 3600,
    },
    {
        "name": "ops.prune_task_results",
        "func": "ketnoi.ops.retention.prune_task_results_job",
        "cron": {"hour": 3, "minute": 30},
    },
]

# Tuning that the code reads with a default (getattr(settings, NAME, default)), set from the environment when the
# operator sets it; docs/operations.md lists each with its default. Lists are comma-separated; INBOX_BUSINESS_HOURS
# is "07:30,17:00".
ENV_TUNABLE: dict[str, type] = {
    "OUTBOX_RETRY_BASE_SECONDS": float,
    "OUTBOX_RETRY_MAX_SECONDS": float,
    "OUTBOX_RATE_LIMIT_PAUSE_SECONDS": float,
    "OUTBOX_QUOTA_RATE_FRACTION": float,
    "OUTBOX_QUOTA_BURST_FRACTION": float,
    "OUTBOX_QUOTA_RESERVE_FRACTION": float,
    "INBOUND_POLL_SECONDS": float,
    "CHANNEL_CACHE_SECONDS": int,
    "API_CLIENT_CACHE_SECONDS": int,
    "NOTICE_TEMPLATE_CACHE_SECONDS": int,
    "WORKDAY_CACHE_SECONDS": int,
    "WORKDAY_AFTERNOON_CUTOFF": str,
    "ZALO_HTTP_TIMEOUT": float,
    "ZALO_TOKEN_USE_MARGIN_SECONDS": int,
    "SMS_HTTP_TIMEOUT": float,
    "BROADCAST_FANOUT_BATCH": int,
    "BROADCAST_NIGHT_HOURS": night_hours_setting,
    "BUSINESS_HOTLINE": str,
    "CONVERSATION_MAX_INPUT_CHARS": int,
    "CONVERSATION_MEDIA_HOSTS": list,
    "CONVERSATION_OTP_TEMPLATE_ID": str,
    "CONVERSATION_SESSION_MINUTES": int,
    "DOSSIER_POSTAL_FEE": int,
    "DOSSIER_ZBS_TEMPLATE_ID": str,
    "PETITION_ZBS_TEMPLATE_ID": str,
    "PETITION_DUPLICATE_DAYS": int,
    "PETITION_DUPLICATE_SIMILARITY": float,
    "PETITION_REMIND_WORKING_DAYS": int,
    "PETITION_REOPEN_WORKING_DAYS": int,
    "PETITION_SUBMITS_PER_HOUR": int,
    "MEETING_REMINDER_GRACE_MINUTES": int,
    "INBOX_FIRST_RESPONSE_MINUTES": int,
    "INBOX_RESOLUTION_MINUTES": int,
    "INBOX_BUSINESS_HOURS": tuple,
    "INBOX_REOPEN_HOURS": int,
    "INBOX_ZBS_TEMPLATE_ID": str,
    "INBOX_AUTO_CLOSE_DAYS": int,
    "DVCQG_RELAY_RETRY_BASE_SECONDS": float,
    "DVCQG_RELAY_RETRY_MAX_SECONDS": float,
    "DVCQG_RELAY_MAX_ATTEMPTS": int,
    "NOTIFY_CALLBACK_RETRY_BASE_SECONDS": float,
    "NOTIFY_CALLBACK_RETRY_MAX_SECONDS": float,
    "NOTIFY_CALLBACK_MAX_ATTEMPTS": int,
    "NOTIFY_KEY_CACHE_SECONDS": int,
}
for _name, _kind in ENV_TUNABLE.items():
    if (_raw := env_str(_name, "")) != "":
        globals()[_name] = _kind(env_list(_name)) if _kind in (list, tuple) else _kind(_raw)
# The public lookup's limits (ketnoi/portal/ratelimit.py): PORTAL_LOOKUP_PER_MINUTE and the others, per client.
PORTAL_RATE_LIMITS = {
    name: env_int(f"PORTAL_{name}", default)
    for name, default in {
        "LOOKUP_PER_MINUTE": 10,
        "LOOKUP_PER_DAY": 100,
        "SECOND_FACTOR_FAILURES_PER_CLIENT": 5,
        "SECOND_FACTOR_FAILURES_PER_DOSSIER": 5,
        "ACTIONS_PER_HOUR": 30,
    }.items()
}

# How long each kind of record that carries personal data is kept, in days (Decree 13/2023/NĐ-CP, now the Law on
# Personal Data Protection 2025 and Decree 356/2025: kept no longer than its purpose needs). The job
# ops.prune_retained deletes what is older, in batches, and reports what it removed (ketnoi/ops/retention.py).
# Dossiers, petitions and the audit log are records of the administration (archive rules) and are not pruned here.
RETENTION_DAYS = {
    "webhook_events": env_int("RETENTION_WEBHOOK_EVENTS_DAYS", 30),  # raw provider webhooks, once handled
    "dvcqg_requests": env_int("RETENTION_DVCQG_REQUESTS_DAYS", 90),  # raw DVCQG calls (encrypted payloads)
    "dvcqg_relay": env_int("RETENTION_DVCQG_RELAY_DAYS", 30),  # payloads already forwarded upstream
    "sent_messages": env_int("RETENTION_SENT_MESSAGES_DAYS", 180),  # outbox rows in a final state
    "inbound_messages": env_int("RETENTION_INBOUND_MESSAGES_DAYS", 180),  # what citizens wrote in the chat
    "conversation_logs": env_int("RETENTION_CONVERSATION_LOGS_DAYS", 90),  # the chat engine's step log
    "phone_verifications": env_int("RETENTION_PHONE_VERIFICATIONS_DAYS", 7),  # one-time codes (hashed)
    "task_results": env_int("RETENTION_TASK_RESULTS_DAYS", 7),  # finished background tasks and their arguments
    "notifications": env_int("RETENTION_NOTIFICATIONS_DAYS", 400),  # notifications API: a year of usage and more
    "notify_callbacks": env_int("RETENTION_NOTIFY_CALLBACKS_DAYS", 30),  # callbacks delivered or given up
}
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 5000)

# /readyz (ketnoi/ops/health.py): unhealthy past any of these. A lane's backlog counts queued messages already due;
# 0 switches that lane's check off (a broadcast to a million followers is a bulk backlog on purpose).
READY_SCHEDULER_MAX_AGE_SECONDS = env_int("READY_SCHEDULER_MAX_AGE_SECONDS", 180)
READY_INBOUND_LAG_SECONDS = env_int("READY_INBOUND_LAG_SECONDS", 300)
READY_OUTBOX_BACKLOG = {
    "emergency": env_int("READY_OUTBOX_BACKLOG_EMERGENCY", 1000),
    "transactional": env_int("READY_OUTBOX_BACKLOG_TRANSACTIONAL", 50000),
    "bulk": env_int("READY_OUTBOX_BACKLOG_BULK", 0),
}
# /metrics answers only with this bearer token when it is set (nginx also limits /metrics to local addresses).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# Optional error tracking (sentry-sdk): on when SENTRY_DSN is set; personal data is masked before it leaves.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from ketnoi.core.errortracking import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    )

# The name shown on the portal and console until a province is configured in the database.
PROVINCE_NAME = env_str("PROVINCE_NAME", "")

# Demo data of later domains, run in order by `manage.py seed_demo` after the demo province.
DEMO_SEEDERS: list[str] = [
    "ketnoi.orgs.calendar.seed_current_years",
    "ketnoi.procedures.demo.seed",
    "ketnoi.dossiers.demo.seed",
    "ketnoi.conversations.demo.seed",
    "ketnoi.api.demo.seed",
    "ketnoi.api.demo_documents.seed",
    "ketnoi.channels.demo.seed",
    "ketnoi.inbox.demo.seed",
    "ketnoi.broadcasts.demo.seed",
    "ketnoi.registries.demo.seed",
    "ketnoi.petitions.demo.seed",
    "ketnoi.notify.demo.seed",
    "ketnoi.reports.demo.seed",  # reads what the seeders above made
    # last: every demo official whose role needs two-step sign-in, including those the seeders above add
    # (giamsat.tinh, lanhdao.tuphap), gets the published demo key
    "ketnoi.accounts.demo.seed",
]

# LOG_FORMAT=json writes one JSON object a line (production's default), for a log collector; plain is for people.
# Every line carries the request id and passes the masking filter first.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "ketnoi.core.logging.RedactFilter"},
        "request_id": {"()": "ketnoi.core.requestid.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["redact", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},  # not a line per job run; the scheduler prints what it schedules
        # runserver's request lines, through the same masking filter (gunicorn: ketnoi.core.gunicorn_logging)
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
