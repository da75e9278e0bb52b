"""Fixtures borrowed from the areas under test: a DVCQG client, the demo procedure catalog."""

from tests.api_dvcqg.conftest import dvcqg  # noqa: F401
from tests.dossiers_ui.conftest import _clean_cache, catalog  # noqa: F401
