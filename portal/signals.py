"""Cache invalidation: any publish, unpublish, move, save or delete of a layer's model drops it."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal.layers import invalidate, layers_for_model


def _drop(sender, **kwargs):
    label = sender._meta.label
    for name in layers_for_model(label):
        invalidate(name)


@receiver(page_published)
def on_publish(sender, **kwargs):
    _drop(sender, **kwargs)


@receiver(page_unpublished)
def on_unpublish(sender, **kwargs):
    _drop(sender, **kwargs)


@receiver(post_page_move)
def on_move(sender, **kwargs):
    _drop(sender, **kwargs)


@receiver(post_delete)
def on_delete(sender, **kwargs):
    _drop(sender, **kwargs)


@receiver(post_save)
def on_save(sender, **kwargs):
    # Snippets (producers, service stations) have no publish step: a save is their publish.
    # Pages are handled by the publish signals above, so drafts do not drop the cache.
    from wagtail.models import Page

    if not issubclass(sender, Page):
        _drop(sender, **kwargs)
