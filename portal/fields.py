"""GeoJSONField: geometry as RFC 7946 GeoJSON in a JSON column, validated on save. No GDAL.

Every model with a location or a line uses this one field, so validation, the admin map widget
and serialisation to the map layers are written once.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.geo import LINE_TYPES, POINT_TYPES, validate_geometry
from portal.widgets import MapWidget


class GeoJSONFormField(forms.JSONField):
    def __init__(self, *args, geom_types=LINE_TYPES + POINT_TYPES, **kwargs):
        self.geom_types = tuple(geom_types)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(_("This is not valid GeoJSON (JSON syntax error). Draw on the map or paste a GeoJSON geometry."), code="invalid")

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        validate_geometry(value, self.geom_types)

    def clean(self, value):
        value = super().clean(value)
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        return value


class GeoJSONField(models.JSONField):
    """A JSONField that only accepts the given GeoJSON geometry types."""

    def __init__(self, *args, geom_types=LINE_TYPES + POINT_TYPES, **kwargs):
        self.geom_types = tuple(geom_types)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["geom_types"] = self.geom_types
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value not in self.empty_values:
            validate_geometry(value, self.geom_types)

    def formfield(self, **kwargs):
        defaults = {"form_class": GeoJSONFormField, "geom_types": self.geom_types, "widget": MapWidget(geom_types=self.geom_types)}
        defaults.update(kwargs)
        return super().formfield(**defaults)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
