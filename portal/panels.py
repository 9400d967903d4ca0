"""Admin panels the portal's pages share (Wagtail's public Panel API, subclassed; nothing replaced).

* TitleFieldPanel: Wagtail's title panel wires the title to the slug through its `w-sync` Stimulus
  controller. A user who may not edit the slug (a homestay owner: homestays.models) gets a form
  without one, Wagtail still adds the controller with an empty target selector, and the browser
  logs "Error connecting controller … The provided selector is empty" on every edit page. Here the
  controller is only added when there is a field to sync to.
* MapFieldPanel: the GeoJSON under a map widget (portal.widgets.MapWidget) is for people who know
  GeoJSON; users without `raw_permission` get the map alone (the value still round-trips through
  the hidden textarea).
"""

from __future__ import annotations

from wagtail.admin.panels import FieldPanel
from wagtail.admin.panels import TitleFieldPanel as WagtailTitleFieldPanel


class TitleFieldPanel(WagtailTitleFieldPanel):
    class BoundPanel(WagtailTitleFieldPanel.BoundPanel):
        def get_attrs(self):
            attrs = super().get_attrs()
            if attrs.get("data-w-sync-target-value"):
                return attrs
            # nothing to sync to: leave the widget's own controllers and actions, drop w-sync's
            widget = self.bound_field.field.widget
            attrs.pop("data-w-sync-target-value", None)
            for name, own in (("data-controller", widget.attrs.get("data-controller")), ("data-action", widget.attrs.get("data-action"))):
                if own:
                    attrs[name] = own
                else:
                    attrs.pop(name, None)
            return attrs


class MapFieldPanel(FieldPanel):
    """A FieldPanel for a GeoJSON field whose raw text only users with `raw_permission` see
    (behind a closed "高级" disclosure); everybody else places the point or line on the map."""

    def __init__(self, field_name, *args, raw_permission: str | None = None, **kwargs):
        self.raw_permission = raw_permission
        super().__init__(field_name, *args, **kwargs)

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["raw_permission"] = self.raw_permission
        return kwargs

    class BoundPanel(FieldPanel.BoundPanel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # set before anything renders the widget: the field's HTML and the telepath
            # definition of the edit handler both come from this (per-form) widget
            widget = getattr(getattr(self, "bound_field", None), "field", None) and self.bound_field.field.widget
            if widget is not None and hasattr(widget, "show_raw"):
                user = getattr(self.request, "user", None)
                permission = self.panel.raw_permission
                widget.show_raw = bool(user and (user.is_superuser or (permission and user.has_perm(permission))))
