"""The admin map widget. A plain JSON textarea until the Leaflet.draw editor lands (routes issue)."""

from django import forms


class MapWidget(forms.Textarea):
    def __init__(self, attrs=None, geom_types=("Point",)):
        self.geom_types = tuple(geom_types)
        super().__init__(attrs={"rows": 4, "class": "geojson-input", **(attrs or {})})
