"""Screenshots for the role guides in docs/guides/, taken by the browser tests so they never go stale.

Written only when KETNOI_GUIDE_SCREENSHOTS names a folder (`make guides` sets it to docs/guides/img), so an ordinary
test run never touches tracked files.
"""

import os
from pathlib import Path


def shot(page, name: str) -> None:
    folder = os.environ.get("KETNOI_GUIDE_SCREENSHOTS", "")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
