"""Small things the Chinese admin says and shows, for owners and editors alike.

* Workflow decisions say what happened. Wagtail approves and rejects through two doors (the
  page editor's action menu and the dashboard's "awaiting your review" buttons) and neither says
  "approved" or "sent back": the editor is left to guess. Wagtail's task_approved/task_rejected
  signals know the decision but not the request, so CurrentRequestMiddleware keeps the admin
  request in a context variable for the length of that request, and the receivers add a message
  naming the page and the decision.
* Chinese names in Chinese order (family name first, no space: 李卓玛). Wagtail shows a person by
  `user.get_full_name()`, Django's "first last" with a space (卓玛 李). Rather than a custom user
  model (a schema swap for one line of display), a Chinese name is kept whole in `first_name`,
  as the owner-invite form already stores it (homestays.owners): a pre_save receiver folds a
  split Chinese name (名 卓玛, 姓 李, as Wagtail's account form asks for it) into 李卓玛. Then
  every place Wagtail names a user — the dashboard, the sidebar, revisions, workflow history,
  other people's names as much as one's own — reads it in the right order.
"""

from __future__ import annotations

import contextvars
import re

from django.utils.translation import gettext as _

_current_request: contextvars.ContextVar = contextvars.ContextVar("portal_admin_request", default=None)

HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]+$")


class CurrentRequestMiddleware:
    """Makes the request of an admin POST available to the workflow-signal receivers below."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def _title(obj) -> str:
    getter = getattr(obj, "get_admin_display_title", None)
    return str(getter() if getter else obj)


def _message(request, text: str) -> None:
    from wagtail.admin import messages

    if request is not None and hasattr(request, "_messages"):
        messages.success(request, text)


def on_task_approved(sender, instance, user=None, **kwargs):
    workflow_state = instance.workflow_state
    title = _title(workflow_state.content_object)
    if workflow_state.status == workflow_state.STATUS_APPROVED:
        text = _("已批准“%(title)s”，修改已发布到网站。") % {"title": title}
    else:
        next_task = workflow_state.current_task_state.task.name if workflow_state.current_task_state else ""
        text = _("已批准“%(title)s”的“%(task)s”，转入下一步：%(next)s。") % {"title": title, "task": instance.task.name, "next": next_task}
    _message(_current_request.get(), text)


def on_task_rejected(sender, instance, user=None, **kwargs):
    title = _title(instance.workflow_state.content_object)
    text = _("已退回“%(title)s”，请作者修改后重新提交；网站上的内容不变。") % {"title": title}
    if instance.comment:
        text += " " + _("意见：%(comment)s") % {"comment": instance.comment}
    _message(_current_request.get(), text)


def chinese_full_name(first_name: str, last_name: str) -> tuple[str, str] | None:
    """(first_name, last_name) to store for a Chinese name entered in two parts, or None to keep
    them: 名 卓玛 + 姓 李 → ("李卓玛", "")."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if first and last and HAN.match(first) and HAN.match(last):
        # 名 李卓玛 + 姓 李: the whole name was already in first_name (Wagtail's account form
        # asks for a family name again); never 李李卓玛
        return (first if first.startswith(last) else last + first), ""
    return None


def fold_chinese_name(sender, instance, raw=False, **kwargs):
    """pre_save of the user model: see the module docstring."""
    if raw:
        return
    folded = chinese_full_name(instance.first_name, instance.last_name)
    if folded:
        instance.first_name, instance.last_name = folded


def connect_signals() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import pre_save
    from wagtail.signals import task_approved, task_rejected

    task_approved.connect(on_task_approved, dispatch_uid="portal-task-approved-message")
    task_rejected.connect(on_task_rejected, dispatch_uid="portal-task-rejected-message")
    pre_save.connect(fold_chinese_name, sender=get_user_model(), dispatch_uid="portal-chinese-name")
