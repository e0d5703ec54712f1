"""Settings every test shares.

The rule cache (compensation/lang/cache.py) goes to a folder of this test session, not the user's
~/.cache: tests start from an empty cache, and processes the tests start share it (environment).
"""

from __future__ import annotations

import os
import tempfile

import pytest


@pytest.fixture(scope="session", autouse=True)
def _session_rule_cache() -> object:
    with tempfile.TemporaryDirectory(prefix="ecocomp-rule-cache-") as folder:
        before = os.environ.get("ECOCOMP_CACHE_DIR")
        os.environ["ECOCOMP_CACHE_DIR"] = folder
        yield folder
        if before is None:
            os.environ.pop("ECOCOMP_CACHE_DIR", None)
        else:
            os.environ["ECOCOMP_CACHE_DIR"] = before
