"""The citizen's phone on the Zalo sandbox, shared with the conversation tests."""

from tests.conversations.conftest import new_phone, oa  # noqa: F401  (fixtures)
