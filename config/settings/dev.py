"""Development and demo: `make run`. Debug on, the Zalo sandbox installed and the provider URLs pointed at it."""

from config.env import env_bool

from .base import *  # noqa: F403
from .base import INSTALLED_APPS

DEBUG = env_bool("DEBUG", True)
INSTALLED_APPS = [*INSTALLED_APPS, "ketnoi.sandbox"]
