"""Operations tests reuse the outbox's real HTTP sink and its channels."""

from tests.outbox.conftest import make_channel, make_follower, sink, sink_types  # noqa: F401 (fixtures)
