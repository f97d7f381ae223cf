"""The partition tests need no Django.

The project's root conftest has autouse fixtures that take pytest-django's
``settings``; these tests run with ``-p no:django`` too, so they get a plain
stand-in object that accepts (and ignores) whatever those fixtures set.
"""

from types import SimpleNamespace

import pytest


@pytest.fixture
def settings():
    return SimpleNamespace()
