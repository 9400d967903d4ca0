"""Keep the search index in step with what is published.

Wagtail indexes a page from `post_save`, which fires *before* modelcluster writes the page's
inline children: publish a route with a renamed stop and the index would keep the old stop name
until the next save (tests/test_search.py::IndexFollowsPublishing shows it). Publishing
re-indexes the page once its children are stored. Unpublished pages stay in the index but every
search asks for `.live()`; deleted pages leave it through Wagtail's own `post_delete` handler.
"""

from wagtail.search import index
from wagtail.signals import page_published


def reindex_published_page(sender, instance, **kwargs):
    index.insert_or_update_object(instance.specific)


def connect_signals():
    page_published.connect(reindex_published_page, dispatch_uid="portal-search-reindex-on-publish")
