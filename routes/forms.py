"""The route editor's form: a GPS file upload that sets the line and elevations in one step."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.fields import dumps
from portal.slugs import PinyinSlugPageForm
from routes.imports import MAX_UPLOAD_BYTES, TrackImportError, read_track


class ImportReportWidget(forms.Widget):
    """The last upload's report, as an <output> beside the upload field.

    An <output> is a form element that is never submitted, and Wagtail's autosave sets field
    updates by element name (`form.elements[name].value = …`), which for an <output> replaces its
    text: the same report then appears after a background save as after a full page load.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<output name="{}" id="{}" for="id_track_file" aria-live="polite" style="display:block; white-space:pre-line">{}</output>',
            name,
            attrs.get("id", f"id_{name}"),
            value or "",
        )

    def value_from_datadict(self, data, files, name):
        # only ever what clean() put there for this response; browsers do not submit an <output>
        return data.get(name, "")


class RoutePageForm(PinyinSlugPageForm):
    track_file = forms.FileField(
        label=_("上传轨迹"),
        required=False,
        help_text=_("GPX (track or route), KML/KMZ or GeoJSON, up to %(mb)s MB. Replaces the line drawn below, with its elevations.")
        % {"mb": MAX_UPLOAD_BYTES // 1048576},
        widget=forms.ClearableFileInput(attrs={"accept": ".gpx,.kml,.kmz,.geojson,.json,application/gpx+xml,application/vnd.google-earth.kml+xml"}),
    )
    leaves_xining = forms.BooleanField(
        label=_("此线路超出西宁范围"),
        required=False,
        help_text=_("Tick before uploading a track that runs mostly outside Xining; otherwise such a file is refused as probably the wrong one."),
    )
    track_report = forms.CharField(
        label=_("导入报告"),
        required=False,
        widget=ImportReportWidget,
        help_text=_("After an upload: the points, segments, routes and waypoints read, and what was merged, dropped or thinned."),
    )
    waypoints_as_stops = forms.BooleanField(
        label=_("把航点添加为站点"),
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
                track = read_track(upload, allow_outside=bool(cleaned.get("leaves_xining")))
            except TrackImportError as exc:
                self.add_error("track_file", str(exc))
                return cleaned
            self.imported_track = track
            cleaned["geometry"] = track.geometry
            self._errors.pop("geometry", None)
            # If another field has an error the form is shown again: show the imported line and
            # the report of what the import did then.
            data = self.data.copy()
            data[self.add_prefix("geometry")] = dumps(track.geometry)
            data[self.add_prefix("track_report")] = track.report.text()
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
            updates += [
                (self.add_prefix("geometry"), dumps(track.geometry)),
                (self.add_prefix("track_file"), ""),
                (self.add_prefix("track_report"), track.report.text()),
            ]
        return updates

    def save(self, commit=True):
        page = super().save(commit=commit)
        track = getattr(self, "imported_track", None)
        # routes.wagtail_hooks shows it as an admin message after the save's redirect
        page.track_import_report = track.report if track else None
        if track and self.cleaned_data.get("waypoints_as_stops") and track.waypoints:
            self._add_waypoint_stops(page, track)
            if commit:
                page.save()
        return page

    def _add_waypoint_stops(self, page, track):
        RouteStop = type(page)._meta.get_field("stops").related_model  # noqa: N806 (a model class)
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
                    altitude_m=round(wpt.ele) if wpt.ele is not None and 0 <= wpt.ele < 9000 else None,  # cleaned like the line's
                    description=wpt.description[:2000],
                    sort_order=order,
                )
            )
            order += 1
        if new:
            page.stops.add(*new)
