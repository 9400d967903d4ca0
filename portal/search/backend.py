"""The Wagtail search backend settings name: `"BACKEND": "portal.search.backend"`.

Like Wagtail's `wagtail.search.backends.database`, it picks an implementation for the default
database: PostgreSQL full text or SQLite FTS5, each with jieba segmentation (portal/search/text.py),
and Wagtail's own fallback elsewhere (MySQL, SQLite without FTS5), where `icontains` matching needs
no segmentation. The vendor modules are imported only when chosen: each needs its database's
models (the SQLite FTS table does not exist on PostgreSQL). Production can use Elasticsearch or
OpenSearch with a Chinese analyzer instead (README, "Search 搜索").
"""

from __future__ import annotations

from django.db import connection
from modelsearch.backends import database


def SearchBackend(params):  # noqa: N802 -- the name Wagtail looks up in a backend module
    if connection.vendor == "postgresql":
        from portal.search.postgres import ChinesePostgresSearchBackend

        return ChinesePostgresSearchBackend(params)
    backend = database.SearchBackend(params)
    if connection.vendor == "sqlite" and database.USE_SQLITE_FTS:
        from portal.search.sqlite import ChineseSQLiteSearchBackend

        return ChineseSQLiteSearchBackend(params)
    return backend
