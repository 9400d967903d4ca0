"""The route editor's form: a GPS file upload that sets the line and elevations in one step."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm

from portal.fields import dumps
from routes.imports import MAX_UPLOAD_BYTES, TrackImportError, read_track


class RoutePageForm(WagtailAdminPageForm):
    track_file = forms.FileField(
        label=_("上传轨迹 Upload a track"),
        required=False,
        help_text=_("GPX (track or route), KML/KMZ or GeoJSON, up to %(mb)s MB. Replaces the line drawn below, with its elevations.")
        % {"mb": MAX_UPLOAD_BYTES // 1048576},
        widget=forms.ClearableFileInput(attrs={"accept": ".gpx,.kml,.kmz,.geojson,.json,application/gpx+xml,application/vnd.google-earth.kml+xml"}),
    )
    waypoints_as_stops = forms.BooleanField(
        label=_("把航点添加为站点 Add the file's waypoints as stops"),
        required=False,
        help_text=_("Waypoints whose name matches an existing stop are skipped."),
    )

    class Media:
        js = ["routes/admin-route.js"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "geometry" in self.fields:
            self.fields["geometry"].error_messages["required"] = _("画出线路，或上传一个 GPX 文件。Draw the route on the map or upload a GPX file.")

    def clean(self):
        cleaned = super().clean()
        self.imported_track = None
        upload = cleaned.get("track_file")
        if upload:
            try:
                track = read_track(upload)
            except TrackImportError as exc:
                self.add_error("track_file", str(exc))
                return cleaned
            self.imported_track = track
            cleaned["geometry"] = track.geometry
            self._errors.pop("geometry", None)
            # If another field has an error the form is shown again: show the imported line then.
            data = self.data.copy()
            data[self.add_prefix("geometry")] = dumps(track.geometry)
            self.data = data
        return cleaned

    def get_field_updates_for_resave(self):
        """After a background (autosave) save: show the imported line and clear the file input.

        Otherwise the still-selected file would be imported again on every later save, undoing
        whatever the editor draws after the upload. routes/admin-route.js reloads the editor when
        waypoints were added as stops, since new InlinePanel rows cannot be sent as field updates.
        """
        updates = super().get_field_updates_for_resave()
        track = getattr(self, "imported_track", None)
        if track:
            updates += [(self.add_prefix("geometry"), dumps(track.geometry)), (self.add_prefix("track_file"), "")]
        return updates

    def save(self, commit=True):
        page = super().save(commit=commit)
        track = getattr(self, "imported_track", None)
        if track and self.cleaned_data.get("waypoints_as_stops") and track.waypoints:
            self._add_waypoint_stops(page, track)
            if commit:
                page.save()
        return page

    def _add_waypoint_stops(self, page, track):
        from routes.models import RouteStop

        existing = list(page.stops.all())
        names = {s.name.strip() for s in existing}
        order = max((s.sort_order or 0 for s in existing), default=-1) + 1
        new = []
        for i, wpt in enumerate(track.waypoints, 1):
            name = wpt.name or _("航点 %(n)s") % {"n": i}
            if name in names:
                continue
            names.add(name)
            new.append(
                RouteStop(
                    name=str(name)[:120],
                    kind="service",
                    location={"type": "Point", "coordinates": [round(wpt.lon, 6), round(wpt.lat, 6)]},
                    location_checked=True,  # from a GPS device, not an estimate
                    altitude_m=round(wpt.ele) if wpt.ele is not None and 0 <= wpt.ele < 9000 else None,
                    description=wpt.description[:2000],
                    sort_order=order,
                )
            )
            order += 1
        if new:
            page.stops.add(*new)
