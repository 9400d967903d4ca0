"""PostgreSQL full-text search with jieba segmentation (chosen by portal.search.backend)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery
from modelsearch.backends.database.postgres import postgres
from modelsearch.query import Phrase, PlainText

from portal.search.segmenting import SegmentingIndexer, text_query, with_indexer
from portal.search.text import to_tsquery


class SegmentingPostgresIndexer(SegmentingIndexer, postgres.ObjectIndexer):
    pass


class ChinesePostgresIndex(postgres.PostgresIndex):
    add_items = with_indexer(postgres.PostgresIndex.add_items, SegmentingPostgresIndexer)


class SegmentedQueryMixin:
    def build_tsquery_content(self, query, config=None, invert=False):
        if isinstance(query, (PlainText, Phrase)):
            node = text_query(query, prefix_last=self.LAST_TERM_IS_PREFIX)
            return SearchQuery(to_tsquery(node), search_type="raw", config=config, invert=invert)
        return super().build_tsquery_content(query, config=config, invert=invert)


class ChinesePostgresSearchQueryCompiler(SegmentedQueryMixin, postgres.PostgresSearchQueryCompiler):
    pass


class ChinesePostgresAutocompleteQueryCompiler(SegmentedQueryMixin, postgres.PostgresAutocompleteQueryCompiler):
    pass


class ChinesePostgresSearchBackend(postgres.PostgresSearchBackend):
    query_compiler_class = ChinesePostgresSearchQueryCompiler
    autocomplete_query_compiler_class = ChinesePostgresAutocompleteQueryCompiler
    index_class = ChinesePostgresIndex
