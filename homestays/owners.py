"""Homestay owners: who may edit which listing, built only from Wagtail's own permission models.

Every owner is in two groups:

- "民宿业主 Homestay owners" (shared): may log into the admin and view inquiries. Nothing else:
  no page, image, snippet, user or settings permission at all.
- "民宿业主：<username>" (one per owner): `change_page` on each of the owner's listings (a
  GroupPagePermission on that page, which covers nothing else in the tree), and add / change /
  choose image on the owner's own image collection (GroupCollectionPermission).

Why a group per owner rather than the shared group with "add" on the index (Wagtail's "edit the
pages you own" rule): "add" on the index would also let every owner create new listings, and
copying a page needs only "edit" on the page plus "add" on the destination, so an owner could copy
any listing they can edit into the index. `change` on exactly their pages allows editing, previews,
history and submitting to the 民宿审核 workflow, and nothing else: no publish, no add, no move, no
copy, no other page. Deleting is blocked separately in wagtail_hooks.py (Wagtail lets "change"
delete a never-published page).

`grant_listing()` is the one code path for the invite view, the transfer view and the demo.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from homestays.models import MANAGE_PERMISSION, HomestayPage

OWNERS_GROUP = "民宿业主 Homestay owners"
OWNER_GROUP_PREFIX = "民宿业主："
COLLECTIONS_PARENT = "民宿业主图片 Owners' photos"
IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


def owner_group_name(user) -> str:
    return f"{OWNER_GROUP_PREFIX}{user.username}"


def owners_group() -> Group:
    """The shared group; created with its permissions by migration 0003, re-created if deleted."""
    group, created = Group.objects.get_or_create(name=OWNERS_GROUP)
    if created:
        group.permissions.add(
            *Permission.objects.filter(
                Q(content_type__app_label="wagtailadmin", codename="access_admin") | Q(content_type__app_label="homestays", codename="view_inquiry")
            )
        )
    return group


def owner_group(user) -> Group:
    group, _ = Group.objects.get_or_create(name=owner_group_name(user))
    return group


def owner_collection(user) -> Collection:
    """The owner's own image collection, under one parent so editors find all owners' photos together."""
    root = Collection.get_first_root_node()
    parent = root.get_children().filter(name=COLLECTIONS_PARENT).first() or root.add_child(name=COLLECTIONS_PARENT)
    name = f"{user.get_full_name() or user.username}（{user.username}）"
    existing = parent.get_children().filter(name__endswith=f"（{user.username}）").first()
    return existing or parent.add_child(name=name)


def is_owner(user) -> bool:
    """In the owners' group: the admin then shows the owner's dashboard and trims the menu."""
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_homestays_is_owner", None)
    if cache is None:
        cache = user.groups.filter(name=OWNERS_GROUP).exists()
        user._homestays_is_owner = cache
    return cache


def is_owner_only(user) -> bool:
    """An owner with no editor powers (editors may own listings too: they keep their full admin)."""

    return is_owner(user) and not user.is_superuser and not user.has_perm(MANAGE_PERMISSION)


@transaction.atomic
def make_owner(user) -> tuple[Group, Collection]:
    """Put `user` in the owners' groups and give them their image collection (idempotent)."""
    group = owner_group(user)
    user.groups.add(owners_group(), group)
    collection = owner_collection(user)
    perms = Permission.objects.filter(content_type__app_label="wagtailimages", codename__in=IMAGE_PERMISSIONS)
    for perm in perms:
        GroupCollectionPermission.objects.get_or_create(group=group, collection=collection, permission=perm)
    return group, collection


@transaction.atomic
def grant_listing(user, page) -> None:
    """Make `user` the owner of the listing `page`, and the only owner who may edit it.

    Sets Wagtail's own `Page.owner` (with an UPDATE, because the page editor deliberately keeps
    `owner` out of revisions) and moves the per-page `change` permission to the new owner's
    group. Editors keep their section-wide permissions.
    """
    group, _collection = make_owner(user)
    Page.objects.filter(pk=page.pk).update(owner=user)
    page.owner = user
    change = Permission.objects.get(content_type__app_label="wagtailcore", codename="change_page")
    GroupPagePermission.objects.filter(page_id=page.pk, group__name__startswith=OWNER_GROUP_PREFIX).exclude(group=group).delete()
    GroupPagePermission.objects.get_or_create(group=group, page_id=page.pk, permission=change)


def listings_for(user):
    """The owner's listings (any state), newest change first."""

    return HomestayPage.objects.filter(owner=user).order_by("-latest_revision_created_at", "title")


def unique_slug(parent, title: str, fallback: str) -> str:
    base = slugify(title, allow_unicode=True)[:60] or slugify(fallback)[:60] or "homestay"
    slug, n = base, 2
    siblings = set(parent.get_children().values_list("slug", flat=True))
    while slug in siblings:
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def invite_owner(*, username: str, name: str, email: str, title: str, county: str, index, invited_by=None):
    """Create an owner account, their permissions and collection, and a draft listing shell they own.

    The account gets no usable password: the owner sets one through the link that
    `set_password_url()` makes, so no password ever travels by e-mail or WeChat.
    """

    User = get_user_model()
    user = User(username=username, email=email, first_name=name)
    user.set_unusable_password()
    user.save()
    page = HomestayPage(title=title, county=county, slug=unique_slug(index, title, username), live=False, owner=user)
    index.add_child(instance=page)
    page.save_revision(user=invited_by, log_action=True)
    grant_listing(user, page)
    return user, page


def set_password_url(request, user) -> str:
    """An absolute link to Wagtail's own "set a new password" form, valid PASSWORD_RESET_TIMEOUT."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("wagtailadmin_password_reset_confirm", args=(uid, token))
    return request.build_absolute_uri(path) if request is not None else path
