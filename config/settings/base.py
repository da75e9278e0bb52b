"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSECURE_DEFAULT_SECRET_KEY = "ketnoi-insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
# Separate key for credentials encrypted at rest (channel tokens), so rotating SECRET_KEY does not lose them.
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The address citizens and providers reach this deployment at (webhook URLs, QR codes, lookup links).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "ketnoi.reports",
    "ketnoi.inbox",
    "ketnoi.conversations",
    "ketnoi.console",
    "ketnoi.portal",
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
    "django.middleware.security.SecurityMiddleware",
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
STATIC_ROOT = BASE_DIR / "var" / "static"
# Files served at the site root (favicon.ico): browsers ask for it on every page, a 404 each time floods the log.
WHITENOISE_ROOT = BASE_DIR / "ketnoi" / "core" / "root"
# Uploaded files (citizens' photos and documents, results) are private: the default storage has no URL
# (ketnoi.core.storage.PrivateStorage) and views serve each file to whoever may see it. Never serve MEDIA_ROOT.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "ketnoi.core.storage.PrivateStorage"},  # no public URL: served through views
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
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
]

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

# Periodic jobs run by `manage.py run_scheduler` (see ketnoi/outbox/scheduler.py); later issues append theirs.
SCHEDULED_JOBS: list[dict] = [
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
    # petitions (issue 8): reminders and escalations (each fires once), closing after the reopening period
    {"name": "petitions.deadlines", "func": "ketnoi.petitions.jobs.deadlines_job", "seconds": 60 * 60},
    {"name": "petitions.close_expired", "func": "ketnoi.petitions.jobs.close_expired_job", "cron": {"hour": 2}},
    # documents to process (issue 15): each open document reminded once when its deadline is a working day away
    {"name": "documents.remind_due", "func": "ketnoi.documents.jobs.remind_due_job", "seconds": 30 * 60},
]

# The name shown on the portal and console until a province is configured in the database.
PROVINCE_NAME = env_str("PROVINCE_NAME", "")

# Demo data of later domains, run in order by `manage.py seed_demo` after the demo province.
DEMO_SEEDERS: list[str] = [
    "ketnoi.accounts.demo.seed",  # first: demo administrators and leaders need their second factor to sign in
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
    "ketnoi.reports.demo.seed",  # last: reads what the seeders above made
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "ketnoi.core.logging.RedactFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "apscheduler": {"level": "WARNING"},  # not a line per job run; the scheduler prints what it schedules
        # runserver's request lines, through the same masking filter (gunicorn: ketnoi.core.gunicorn_logging)
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
