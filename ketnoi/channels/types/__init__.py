"""Registry of channel types, loaded from settings.CHANNEL_TYPES (dotted paths), as in RapidPro."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import ChannelType

_TYPES: dict[str, ChannelType] = {}


def load_channel_types() -> None:
    _TYPES.clear()
    for path in getattr(settings, "CHANNEL_TYPES", []):
        channel_type = import_string(path)()
        if channel_type.code in _TYPES:
            raise ValueError(f"Two channel types share the code {channel_type.code!r}.")
        _TYPES[channel_type.code] = channel_type


def get_channel_type(code: str) -> ChannelType:
    try:
        return _TYPES[code]
    except KeyError:
        raise LookupError(f"No channel type {code!r}; is it listed in settings.CHANNEL_TYPES?") from None


def channel_types() -> dict[str, ChannelType]:
    return dict(_TYPES)
