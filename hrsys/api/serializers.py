from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Rejects unknown fields (400 naming them) instead of silently ignoring them,
    reported together with every other field error of the same request.

    Also refuses ``null`` for a ``JSONField`` that does not allow it: DRF checks that only for JSON bodies,
    and a form field holding the text ``null`` would otherwise reach the database as NULL (a 500)."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, dict):
            unknown = {name: [_("Unknown field.")] for name in sorted(set(data) - set(self.fields))}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**unknown, **exc.detail})
        nulls = {name: [field.error_messages["null"]] for name, field in self.fields.items()
                 if isinstance(field, serializers.JSONField) and not field.allow_null and not field.read_only
                 and field.source in value and value[field.source] is None}
        if unknown or nulls:
            raise serializers.ValidationError({**unknown, **nulls})
        return value


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    pass
