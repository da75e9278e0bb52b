"""Development and demo: `make run`. Debug on, the Zalo sandbox installed, and the provider URLs pointing at it
unless the environment names other hosts (another Zalo stand-in, a recording proxy): the environment wins."""

from config.env import env_bool, env_str

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, PUBLIC_BASE_URL

DEBUG = env_bool("DEBUG", True)
INSTALLED_APPS = [*INSTALLED_APPS, "ketnoi.sandbox"]

# The Zalo adapter talks to the sandbox over real HTTP, on this same server, by default.
ZALO_OAUTH_BASE = env_str("ZALO_OAUTH_BASE", f"{PUBLIC_BASE_URL}/sandbox/zalo/oauth")
ZALO_OPENAPI_BASE = env_str("ZALO_OPENAPI_BASE", f"{PUBLIC_BASE_URL}/sandbox/zalo/openapi")
ZALO_BUSINESS_BASE = env_str("ZALO_BUSINESS_BASE", f"{PUBLIC_BASE_URL}/sandbox/zalo/business")
MESSENGER_GRAPH_BASE = env_str("MESSENGER_GRAPH_BASE", f"{PUBLIC_BASE_URL}/sandbox/facebook/v25.0")
# Follow links and QR codes (receipt, desk poster) open the sandbox's OA page instead of zalo.me.
ZALO_FOLLOW_BASE = env_str("ZALO_FOLLOW_BASE", f"{PUBLIC_BASE_URL}/sandbox/follow")

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
