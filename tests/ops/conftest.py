"""Operations tests reuse the outbox's real HTTP sink and its channels, and the dossier helpers."""

from tests.dossiers.conftest import desk_a, procedures, receive  # noqa: F401 (fixtures)
from tests.outbox.conftest import make_channel, make_follower, sink, sink_types  # noqa: F401 (fixtures)
