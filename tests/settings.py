"""Test settings: the product's settings, with Redis on a database of the tests' own.

``REDIS_URL`` (CI: the machine's Redis) or the embedded server; either way the tests use
database ``WALLBOARD_TEST_REDIS_DB`` (default 9), which the suite flushes at its start and end.
"""

import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# The tests (and the servers they start, which inherit this) sign with the development key
# unless SECRET_KEY is set.
os.environ.setdefault("WALLBOARD_DEV_SECRET_KEY", "1")

from wallboard.settings import *  # noqa: F403
from wallboard.settings import REDIS_URL

TEST_REDIS_DB = int(os.environ.get("WALLBOARD_TEST_REDIS_DB", "9"))


def with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


REDIS_URL = with_db(REDIS_URL, TEST_REDIS_DB)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Threads of the async tests (database_sync_to_async) must not keep connections open, or the
# test database cannot be dropped at the end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
