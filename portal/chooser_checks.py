"""Images and documents a page form may attach, checked on the server.

The image and document choosers only offer what the user may "choose" (Wagtail's collection
permissions: an owner has `choose_image` on their own collection only), but the page form accepts
any id that exists: a hand-made POST would put someone else's photo on a listing. So the page
form (PinyinSlugPageForm) walks what it was sent — its own fields, its child formsets (gallery,
rooms) and the StreamField and rich-text values in either — and refuses every image or document
the user may not choose under Wagtail's own permission policies.

What the page already held stays allowed: an editor may have put a site photo on an owner's
listing, and the owner must still be able to save it.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

# what a chosen object is: (kind, id as text), the kind being "image" or "document"
Chosen = tuple[str, str]

MESSAGES = {
    "image": _("只能选择您自己图片库里的图片。"),
    "document": _("只能选择您自己文档库里的文档。"),
}


def _kinds():
    """The models checked and the permission policy that says who may choose each."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.permissions import policy_registry

    return {kind: (model, policy_registry.get_by_type(model)) for kind, model in (("image", get_image_model()), ("document", get_document_model()))}


def _kind_of(model, kinds) -> str | None:
    if model is None:
        return None
    for kind, (checked, _policy) in kinds.items():
        if issubclass(model, checked):
            return kind
    return None


def _field_value_refs(field, value, kinds) -> Iterator[Chosen]:
    """What one model field's value chooses: a foreign key (an object or its id), a
    many-to-many (objects), or a field Wagtail can read references from (StreamField, rich text)."""
    if value is None or value == "":
        return
    if field.is_relation and (field.many_to_one or field.one_to_one):
        kind = _kind_of(field.related_model, kinds)
        if kind:
            yield kind, str(getattr(value, "pk", value))
    elif field.is_relation and field.many_to_many:
        kind = _kind_of(field.related_model, kinds)
        if kind:
            for item in value:
                yield kind, str(getattr(item, "pk", item))
    elif hasattr(field, "extract_references"):
        for to_model, to_object_id, _model_path, _content_path in field.extract_references(value):
            kind = _kind_of(to_model, kinds)
            if kind:
                yield kind, str(to_object_id)


def stored_refs(obj, kinds=None) -> set[Chosen]:
    """Every image and document a saved object (and its child objects) holds."""
    from modelcluster.models import ClusterableModel, get_all_child_relations

    kinds = kinds or _kinds()
    found: set[Chosen] = set()
    if obj is None:
        return found
    for field in obj._meta.concrete_fields:
        found.update(_field_value_refs(field, field.value_from_object(obj), kinds))
    for field in obj._meta.many_to_many:
        if getattr(field, "related_model", None) is not None and _kind_of(field.related_model, kinds) and obj.pk:
            found.update(_field_value_refs(field, getattr(obj, field.name).all(), kinds))
    if isinstance(obj, ClusterableModel):
        for relation in get_all_child_relations(obj):
            for child in getattr(obj, relation.get_accessor_name()).all():
                found |= stored_refs(child, kinds)
    return found


def _posted_refs(form, model, kinds) -> Iterator[tuple[object, str, Chosen]]:
    """(form, field name, chosen) for each image or document the form's cleaned data chooses."""
    for name, value in list(getattr(form, "cleaned_data", {}).items()):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        for chosen in _field_value_refs(field, value, kinds):
            yield form, name, chosen


def _child_forms(form) -> Iterator[tuple[object, object]]:
    """(child form, its model) for every kept child form, nested formsets included."""
    for formset in getattr(form, "formsets", {}).values():
        for child in formset.forms:
            if not child.is_bound:
                continue
            child.is_valid()  # cleans the child form (once: the formset reuses the result)
            cleaned = getattr(child, "cleaned_data", None) or {}
            if formset.can_delete and cleaned.get("DELETE"):
                continue
            yield child, formset.model
            yield from _child_forms(child)


class ChooserPermissionFormMixin:
    """For a Wagtail admin model form (`for_user` set): refuse images and documents the user
    may not choose, unless the object already held them (before this form changes it)."""

    def clean(self):
        cleaned = super().clean()
        user = getattr(self, "for_user", None)
        if user is None:
            return cleaned
        kinds = _kinds()
        # read first: cleaning the child forms below writes into the instance's child objects
        allowed = stored_refs(self.instance, kinds)
        if self.instance.pk:
            saved = type(self.instance)._default_manager.filter(pk=self.instance.pk).first()
            allowed |= stored_refs(saved, kinds)

        posted = list(_posted_refs(self, self._meta.model, kinds))
        for child, model in _child_forms(self):
            posted.extend(_posted_refs(child, model, kinds))

        new = {chosen for _form, _name, chosen in posted if chosen not in allowed}
        if not new:
            return cleaned
        choosable: set[Chosen] = set()
        for kind, (_model, policy) in kinds.items():
            ids = [pk for k, pk in new if k == kind]
            if ids:
                qs = policy.instances_user_has_permission_for(user, "choose").filter(pk__in=ids)
                choosable |= {(kind, str(pk)) for pk in qs.values_list("pk", flat=True)}
        refused = set()
        for form, name, chosen in posted:
            if chosen in new and chosen not in choosable and (form, name) not in refused:
                refused.add((form, name))
                form.add_error(name, MESSAGES[chosen[0]])
        return self.cleaned_data


class ChooserCheckedModelForm(ChooserPermissionFormMixin, WagtailAdminModelForm):
    """The base form for snippets that hold images or documents (a model's `base_form_class`)."""
