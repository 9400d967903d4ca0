"""SQLite FTS5 with jieba segmentation (chosen by portal.search.backend)."""

from __future__ import annotations

from django.db.models import Expression
from modelsearch.backends.database.sqlite import sqlite
from modelsearch.backends.database.sqlite.query import BM25, SearchQueryExpression
from modelsearch.query import Not, Phrase, PlainText

from portal.search.segmenting import SegmentingIndexer, text_query, with_indexer
from portal.search.text import to_fts5


class SegmentingSQLiteIndexer(SegmentingIndexer, sqlite.ObjectIndexer):
    pass


class ChineseSQLiteIndex(sqlite.SQLiteIndex):
    add_items = with_indexer(sqlite.SQLiteIndex.add_items, SegmentingSQLiteIndexer)


class FTS5Query(Expression):
    """A complete FTS5 query string, passed as the parameter of MATCH (never spliced into SQL)."""

    def __init__(self, query: str):
        super().__init__()
        self.query = query

    def as_sql(self, compiler, connection):
        return "%s", [self.query]


class WeightedBM25(BM25):
    """FTS5's bm25() with per-column weights, in the FTS table's column order (autocomplete, body,
    title). Upstream ranks with equal weights, so a long page that mentions 窎沟 ten times in its
    body outranks the page named after it; PostgreSQL already weighs titles (weight A) higher."""

    def __init__(self, weights):
        super().__init__()
        self.weights = weights

    def as_sql(self, compiler, connection, function=None, template=None):
        sql, params = super().as_sql(compiler, connection)
        return sql[:-1] + "".join(f", {float(w)}" for w in self.weights) + ")", params


class SegmentedQueryMixin:
    BM25_WEIGHTS = (0.0, 1.0, 4.0)

    def build_search_query_content(self, query, config=None):
        if isinstance(query, (PlainText, Phrase)):
            node = text_query(query, prefix_last=self.LAST_TERM_IS_PREFIX)
            return SearchQueryExpression(FTS5Query(to_fts5(node)))
        return super().build_search_query_content(query, config=config)

    def get_search_vectors(self):
        # One ranking term: the weighted bm25() already weighs and length-normalises each column.
        # Upstream adds bm25() × title_norm (average title length / this title's), which multiplies
        # a body-only match on a page with a two-character title (线路, 民宿) by eight.
        return [(None, 1.0)]

    def build_tsrank(self, vector, query, config=None, boost=1.0):
        if isinstance(query, (Phrase, PlainText, Not)):
            rank = WeightedBM25(self.BM25_WEIGHTS)
            return rank * boost if boost != 1.0 else rank
        return super().build_tsrank(vector, query, config=config, boost=boost)


class ChineseSQLiteSearchQueryCompiler(SegmentedQueryMixin, sqlite.SQLiteSearchQueryCompiler):
    pass


class ChineseSQLiteAutocompleteQueryCompiler(SegmentedQueryMixin, sqlite.SQLiteAutocompleteQueryCompiler):
    BM25_WEIGHTS = (1.0, 0.0, 0.0)


class ChineseSQLiteSearchBackend(sqlite.SQLiteSearchBackend):
    query_compiler_class = ChineseSQLiteSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseSQLiteAutocompleteQueryCompiler
    index_class = ChineseSQLiteIndex
