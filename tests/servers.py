"""Throw-away servers for the suites that test the portal from outside (tests/browser, tests/stack):
a free port, a database of their own, and waiting until the server answers.

Why a database of their own: the in-process tests flush or roll back the test database at will,
while a server in another process needs its content for the whole session. A temporary SQLite
file, or, when DATABASE_URL names PostgreSQL, a database `test_<name>_<suffix>` on that server
(created and dropped here), so CI's PostgreSQL run exercises PostgreSQL there too.
"""

from __future__ import annotations

import os
import socket
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throwaway_database(workdir: Path, suffix: str, template: str | None = None):
    """(database URL for the server, cleanup) — see the module docstring. On PostgreSQL the new
    database may be made from `template`, another database's name (tests/demo_db.clone)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return f"sqlite:///{workdir / 'portal.sqlite3'}", lambda: None

    import psycopg

    parts = urlsplit(url)
    # one database per pytest-xdist worker, each running its own server
    name = f"test_{parts.path.lstrip('/') or 'postgres'}_{suffix}{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    admin = {
        "host": parts.hostname or None,
        "port": parts.port or None,
        "user": parts.username or None,
        "password": parts.password or None,
        "dbname": "postgres",
        "autocommit": True,
    }

    def run(sql):
        with psycopg.connect(**admin) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return urlunsplit(parts._replace(path=f"/{name}")), lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_up(url: str, server, log: Path, timeout: float = 60) -> None:
    """Until `url` answers 200; fails the test, with the server's log, if it exits or never does."""

    def tail():
        try:
            return "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        except OSError:
            return ""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited ({server.returncode}):\n{tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the server did not answer within {timeout}s:\n{tail()}", pytrace=False)
