"""Settings read from the environment: the values an operator writes become the types the code expects."""

import pytest

from config.env import night_hours_setting
from ketnoi.broadcasts import conf


@pytest.mark.parametrize(
    ("raw", "hours"),
    [("provider", (22, 6)), ("off", None), ("21,7", (21, 7)), ("23, 5", (23, 5))],
)
def test_broadcast_night_hours_from_the_environment(settings, raw, hours):
    class Zalo:
        promotion_night_hours = (22, 6)

    settings.BROADCAST_NIGHT_HOURS = night_hours_setting(raw)
    assert conf.night_hours(Zalo) == hours


def test_broadcast_night_hours_rejects_a_single_hour():
    with pytest.raises(ValueError):
        night_hours_setting("22")
