"""What the PostgreSQL and SQLite backends share: jieba segmentation of every indexed value and
of the query (portal/search/text.py), fitted into the upstream database backends."""

from __future__ import annotations

import types

from modelsearch.index import RelatedFields
from modelsearch.query import Phrase, PlainText

from portal.search.text import build_query, segment_for_index


def text_query(query, prefix_last: bool):
    """The query tree for a PlainText or Phrase query (None for other query classes).

    A Phrase becomes all of its words: search-engine segmentation puts the parts of a compound
    between its neighbours in the index, so word adjacency is not reliable to ask for.
    """
    if not isinstance(query, (PlainText, Phrase)):
        return None
    return build_query(query.query_string, getattr(query, "operator", "and"), prefix_last=prefix_last)


class SegmentingIndexer:
    """Mixin for the upstream ObjectIndexer: segments every indexed value (titles, body text, the
    text of related objects such as a route's stops) before it is joined into the index columns."""

    def prepare_field(self, obj, field):
        if isinstance(field, RelatedFields):
            yield from super().prepare_field(obj, field)  # comes back here for each related value
            return
        for *head, value in super().prepare_field(obj, field):
            yield (*head, segment_for_index(value))


def with_indexer(add_items, indexer_class):
    """Upstream `Index.add_items`, building its `ObjectIndexer` from `indexer_class` instead.

    The database backends hard-wire their module's ObjectIndexer inside add_items (whose upsert SQL
    is most of the method). Rebinding the function's globals reuses that code unchanged, without
    patching the library for anyone else; tests/test_search.py checks that the index holds
    segmented text, so an upstream rename cannot silently turn segmentation off.
    """
    namespace = {**add_items.__globals__, "ObjectIndexer": indexer_class}
    return types.FunctionType(add_items.__code__, namespace, add_items.__name__, add_items.__defaults__, add_items.__closure__)
