"""Who may see which inquiry: editors every one, an owner only those sent to their own listings.

A Wagtail permission policy (registered for Inquiry in apps.py), so the admin's listing, inspect
and export views, the dashboard panel and the tests all ask the same object. The Django
permission (`view_inquiry`, …) says *whether* someone deals with inquiries at all; the policy adds
*which ones* for owners, whose listings are the pages they own (`Page.owner`).
"""

from __future__ import annotations

from wagtail.permission_policies import ModelPermissionPolicy

from homestays.models import MANAGE_PERMISSION


def sees_all_inquiries(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(MANAGE_PERMISSION))


class InquiryPermissionPolicy(ModelPermissionPolicy):
    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if sees_all_inquiries(user):
            return True
        # Owners only ever look: they have no change/delete permission, and even if someone
        # granted one, it would stop at their own listings.
        return instance.listing.owner_id == user.pk

    def instances_user_has_any_permission_for(self, user, actions):
        qs = self.model._default_manager.all()
        if not self.user_has_any_permission(user, actions):
            return qs.none()
        if sees_all_inquiries(user):
            return qs
        return qs.filter(listing__owner=user)
