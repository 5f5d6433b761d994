"""Fields shared by the API's schemas."""

from __future__ import annotations

from datetime import timezone

from marshmallow import fields


class UtcDateTime(fields.DateTime):
    """Instants go out in UTC (ISO 8601 with +00:00), however they were given."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value.astimezone(timezone.utc) if value else value, attr, obj, **kwargs)
