from tests.dossiers.conftest import procedures  # noqa: F401  (fixtures)
from tests.inbox.conftest import webchat_a  # noqa: F401
