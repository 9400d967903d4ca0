"""Cache invalidation for the GeoJSON layers (portal.layers).

A layer is dropped when one of its models is published, unpublished, moved or deleted (pages), or
saved or deleted (snippets and inline rows, which have no publish step). Events on other pages can
change a layer too: moving, renaming, unpublishing or deleting a *parent* page changes or hides its
descendants' URLs, and privacy restrictions hide whole sections, so those drop every layer.
Leaf pages of other types (a news item) leave the layers alone. Images drop every layer too: a
replaced or deleted image changes the thumbnail URLs the layers carry.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from portal.layers import invalidate, layers_for_model


def _drops_everything(sender) -> bool:
    return sender in (PageViewRestriction, Site) or sender is get_image_model()


def _drop_for_page(sender, instance=None, **kwargs):
    names = layers_for_model(sender._meta.label)
    if instance is not None and getattr(instance, "numchild", 0):
        invalidate()  # descendants' URLs or visibility may have changed
        return
    for name in names:
        invalidate(name)


@receiver(page_published, dispatch_uid="portal-geo-publish")
def on_publish(sender, **kwargs):
    _drop_for_page(sender, **kwargs)


@receiver(page_unpublished, dispatch_uid="portal-geo-unpublish")
def on_unpublish(sender, **kwargs):
    _drop_for_page(sender, **kwargs)


@receiver(post_page_move, dispatch_uid="portal-geo-move")
def on_move(sender, **kwargs):
    _drop_for_page(sender, **kwargs)


@receiver(post_delete, dispatch_uid="portal-geo-delete")
def on_delete(sender, instance=None, **kwargs):
    if _drops_everything(sender):
        invalidate()
    elif issubclass(sender, Page):
        _drop_for_page(sender, instance=instance)
    else:
        for name in layers_for_model(sender._meta.label):
            invalidate(name)


@receiver(post_save, dispatch_uid="portal-geo-save")
def on_save(sender, **kwargs):
    # Pages are handled by the publish signals above, so saving a draft keeps the cache.
    # Snippets (producers, service stations) have no publish step: a save is their publish.
    if _drops_everything(sender):
        invalidate()
    elif not issubclass(sender, Page):
        for name in layers_for_model(sender._meta.label):
            invalidate(name)
