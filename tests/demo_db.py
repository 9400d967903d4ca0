"""The demo site as `load_demo` builds it, built once per test process and copied where it is needed.

`load_demo` takes 40 s or more (pictures drawn, every page translated, the search and reference
indexes filled), and a dozen test classes and the browser suite's server need exactly that content.
So each process builds it once, with `migrate` and `load_demo` in a subprocess, into a database and
media folder of its own (tests/servers.py: a SQLite file, or a PostgreSQL database when DATABASE_URL
names one), and then:

- `load_demo()` copies its rows into the test database, inside a TestCase's setUpTestData (the
  class's transaction rolls them back like any other rows), and its files into MEDIA_ROOT;
- `clone(workdir, suffix)` gives a server a database of its own made from it (a file copy on
  SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), and its files.

`python -m tests.demo_db` is the subprocess: it runs in the environment of `template()` below.
Tests of `load_demo` itself (its output, running it twice) still call the command.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from tests.servers import throwaway_database

BASE_DIR = Path(__file__).resolve().parents[1]
_TEMPLATE: dict = {}


def template() -> dict:
    """This process's demo, built on first use (see the module docstring): its database `url` (and
    `sqlite` file), its `media` folder, and what `discard()` needs to remove them."""
    if not _TEMPLATE:
        workdir = Path(tempfile.mkdtemp(prefix="portal-demo-"))
        media = workdir / "media"
        media.mkdir()
        url, drop = throwaway_database(workdir, "demo")
        env = {
            **os.environ,  # PORT included: load_demo records it as the site's port, as in-process
            "DJANGO_SETTINGS_MODULE": "tests.browser.settings",  # the test settings, with this database and media
            "PORTAL_BROWSER_DATABASE_URL": url,
            "PORTAL_BROWSER_MEDIA_ROOT": str(media),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        built = subprocess.run([sys.executable, "-m", "tests.demo_db"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=900)
        if built.returncode:
            drop()
            raise RuntimeError(f"migrate + load_demo for the demo template failed:\n{built.stdout[-3000:]}\n{built.stderr[-6000:]}")
        _TEMPLATE.update(url=url, sqlite=workdir / "portal.sqlite3", media=media, workdir=workdir, drop=drop)
    return _TEMPLATE


def discard() -> None:
    """Drop this process's template (tests/conftest.py, at the end of the session)."""
    if _TEMPLATE:
        _TEMPLATE.pop("drop")()
        shutil.rmtree(_TEMPLATE.pop("workdir"), ignore_errors=True)
        _TEMPLATE.clear()


def load_demo(using: str = "default") -> None:
    """Replace every row of the test database with the demo's, and put the demo's files in
    MEDIA_ROOT. Inside a transaction (setUpTestData's, or one opened here): the foreign keys,
    deferred by Django on both databases, are checked when it ends."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connections, transaction

    demo = template()
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _copy_sqlite(demo["sqlite"], cursor)
        else:
            _copy_postgresql(demo["url"], connection, cursor)
            for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
                cursor.execute(sql)
    ContentType.objects.clear_cache()
    shutil.copytree(demo["media"], settings.MEDIA_ROOT, dirs_exist_ok=True)


def _copy_sqlite(path: Path, cursor) -> None:
    source = sqlite3.connect(path)
    try:
        tables = source.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall()
        virtual = [name for name, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
        # the full-text index (a virtual table and its storage) follows its entries by triggers
        names = [name for name, _ in tables if name != "django_migrations" and not name.startswith("sqlite_") and not any(name.startswith(v) for v in virtual)]
        for name in names:
            cursor.execute(f'DELETE FROM "{name}"')
        for name in names:
            rows = source.execute(f'SELECT * FROM "{name}"')
            columns = [d[0] for d in rows.description]
            data = rows.fetchall()
            if data:
                quoted = ", ".join(f'"{column}"' for column in columns)
                cursor.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})', data)
    finally:
        source.close()


def _copy_postgresql(url: str, connection, cursor) -> None:
    import psycopg

    names = [name for name in connection.introspection.table_names(cursor) if name != "django_migrations"]
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name in names:
        cursor.execute(f'DELETE FROM "{name}"')
    with psycopg.connect(url) as source:
        for name in names:
            with (
                source.cursor().copy(f'COPY "{name}" TO STDOUT (FORMAT BINARY)') as out,
                cursor.cursor.copy(f'COPY "{name}" FROM STDIN (FORMAT BINARY)') as into,
            ):
                for block in out:
                    into.write(block)


def clone(workdir: Path, suffix: str):
    """(database URL, media folder, cleanup): a server's own copy of the demo."""
    demo = template()
    media = workdir / "media"
    shutil.copytree(demo["media"], media, dirs_exist_ok=True)
    if demo["url"].startswith("sqlite:"):
        path = workdir / "portal.sqlite3"
        shutil.copyfile(demo["sqlite"], path)
        return f"sqlite:///{path}", media, lambda: None
    url, drop = throwaway_database(workdir, suffix, template=urlsplit(demo["url"]).path.lstrip("/"))
    return url, media, drop


def _build() -> None:
    import io

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    log = io.StringIO()
    call_command("load_demo", stdout=log, stderr=log)


if __name__ == "__main__":
    _build()
