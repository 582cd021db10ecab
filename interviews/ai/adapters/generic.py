"""hrsys's own documented result format, for vendors without an adapter of their own (R-AI-3).

Signed with ``X-Hrsys-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>``;
an optional ``X-Hrsys-Delivery`` header carries the vendor's delivery id (retries reuse it).
The body is validated strictly: unknown fields are refused by name. See
``GenericResultSerializer`` (published in the OpenAPI schema with examples).
"""

import threading
from datetime import UTC

from django.utils.translation import gettext as _
from rest_framework import serializers

from hrsys.api.serializers import StrictSerializer

from .base import Adapter, ParsedDelivery, PayloadError, load_json

EVENTS = {
    "result": ("result", ""),
    "result.revised": ("result", ""),
    "link_opened": ("progress", "link_open"),
    "started": ("progress", "started"),
    "completed": ("progress", "completed"),
}


class TimeRangeSerializer(StrictSerializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        return attrs


class SalarySerializer(StrictSerializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Z]{3}$", default="CNY")
    period = serializers.ChoiceField(choices=["month", "year", "hour"], default="month")


class PreferencesSerializer(StrictSerializer):
    available_times = TimeRangeSerializer(many=True, required=False)
    expected_salary = SalarySerializer(required=False)
    earliest_start_date = serializers.DateField(required=False)


class MediaSerializer(StrictSerializer):
    report_url = serializers.URLField(required=False, max_length=2000)
    video_url = serializers.URLField(required=False, max_length=2000)
    audio_url = serializers.URLField(required=False, max_length=2000)


class AnswerDurationSerializer(StrictSerializer):
    question = serializers.CharField(max_length=500)
    seconds = serializers.FloatField(min_value=0, max_value=36_000)


class EmotionSerializer(StrictSerializer):
    label = serializers.CharField(max_length=40)
    score = serializers.FloatField(min_value=0, max_value=1)
    question = serializers.CharField(max_length=500, required=False)


class SignalsSerializer(StrictSerializer):
    answer_durations = AnswerDurationSerializer(many=True, required=False)
    emotions = EmotionSerializer(many=True, required=False)
    notes = serializers.CharField(max_length=2000, required=False)


class GenericResultSerializer(StrictSerializer):
    """hrsys generic AI interview result (version 1).

    ``dimensions`` maps the vendor's dimension keys to scores on the vendor's
    scale; the vendor's mapping (admin) converts them to the job's dimensions
    on 0-100. ``event`` other than ``result`` records a candidate action only.
    """

    event = serializers.ChoiceField(choices=sorted(EVENTS), default="result")
    delivery_id = serializers.CharField(max_length=100, required=False)
    assessment_id = serializers.CharField(max_length=120)
    result_id = serializers.CharField(max_length=120, required=False)
    started_at = serializers.DateTimeField(required=False)
    completed_at = serializers.DateTimeField(required=False)
    overall_score = serializers.FloatField(required=False, allow_null=True)
    dimensions = serializers.DictField(child=serializers.FloatField(), required=False)
    recommendation = serializers.CharField(max_length=60, required=False, allow_blank=True)
    preferences = PreferencesSerializer(required=False)
    media = MediaSerializer(required=False)
    transcript = serializers.CharField(required=False, allow_blank=True, max_length=200_000)
    signals = SignalsSerializer(required=False)

    def validate(self, attrs):
        if EVENTS[attrs["event"]][0] == "result":
            errors = {}
            if not attrs.get("result_id"):
                errors["result_id"] = [_("A result needs the vendor's result id.")]
            if attrs.get("overall_score") is None and not attrs.get("dimensions"):
                errors["overall_score"] = [_("A result needs an overall score or dimension scores.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs


def _flatten(detail, prefix=""):
    out = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and detail and all(isinstance(x, dict | list) for x in detail):
        for i, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}[{i}]"))
    else:
        out[prefix or "body"] = [str(x) for x in (detail if isinstance(detail, list) else [detail])]
    return out


_per_thread = threading.local()


def _validator(data: dict) -> GenericResultSerializer:
    """The serializer, unvalidated, for ``data``: built once per thread and reused. Building one deep-copies its
    thirty-odd fields and nested serializers, which cost the webhook more than validating (issue 17 item 3);
    validating keeps no state in the fields, only the ``initial_data`` and results dropped here."""
    ser = getattr(_per_thread, "serializer", None)
    if ser is None:
        ser = _per_thread.serializer = GenericResultSerializer(data={})
    ser.initial_data = data
    for result in ("_validated_data", "_errors", "_data"):
        ser.__dict__.pop(result, None)
    return ser


def parse_generic_data(data: dict) -> ParsedDelivery:
    """Validate a generic-format dict (webhook body or spreadsheet row) into a ParsedDelivery."""
    ser = _validator(data)
    if not ser.is_valid():
        fields = _flatten(ser.errors)
        first = next(iter(fields.items()))
        raise PayloadError(_("Invalid result: %(field)s: %(message)s")
                           % {"field": first[0], "message": " ".join(first[1])}, fields=fields)
    v = ser.validated_data
    kind, action = EVENTS[v["event"]]
    prefs = {}
    if "preferences" in v:
        p = v["preferences"]
        if "available_times" in p:
            prefs["available_times"] = [{"start": t["start"].astimezone(UTC).isoformat(),
                                         "end": t["end"].astimezone(UTC).isoformat()}
                                        for t in p["available_times"]]  # stored in UTC
        if "expected_salary" in p:
            s = p["expected_salary"]
            prefs["expected_salary"] = {"amount": str(s["amount"]), "currency": s["currency"], "period": s["period"]}
        if "earliest_start_date" in p:
            prefs["earliest_start_date"] = p["earliest_start_date"].isoformat()
    media = v.get("media", {})
    signals = dict(v.get("signals", {}))
    return ParsedDelivery(
        event=v["event"], kind=kind, action=action, assessment_id=v["assessment_id"],
        vendor_result_id=v.get("result_id", ""), revision=v["event"] == "result.revised",
        overall=v.get("overall_score"), dimensions=dict(v.get("dimensions", {})),
        recommendation=v.get("recommendation", ""), preferences=prefs, transcript=v.get("transcript", ""),
        signals=signals, report_url=media.get("report_url", ""),
        media=[(k, media[f"{k}_url"]) for k in ("video", "audio", "report") if media.get(f"{k}_url")],
        started_at=v.get("started_at"), completed_at=v.get("completed_at"), delivery_id=v.get("delivery_id", ""),
    )


class GenericAdapter(Adapter):
    label = "hrsys generic JSON v1"
    delivery_id_header = "X-Hrsys-Delivery"

    def parse(self, body: bytes, *, headers=None) -> ParsedDelivery:
        return parse_generic_data(load_json(body))


EXAMPLE_RESULT = {
    "event": "result",
    "assessment_id": "A-2026-000123",
    "result_id": "R-88231",
    "completed_at": "2026-03-10T08:39:58+00:00",
    "overall_score": 78,
    "dimensions": {"logic": 4, "professional_skill": 3.5, "communication": 4.5, "stress_tolerance": 2},
    "recommendation": "recommend",
    "preferences": {
        "available_times": [{"start": "2026-03-12T01:00:00+00:00", "end": "2026-03-12T04:00:00+00:00"}],
        "expected_salary": {"amount": 12000, "currency": "CNY", "period": "month"},
        "earliest_start_date": "2026-04-01",
    },
    "media": {"report_url": "https://vendor.example/reports/R-88231.pdf",
              "video_url": "https://vendor.example/media/R-88231.mp4"},
    "transcript": "问：请介绍一次你处理急诊高峰的经历。答：……",
    "signals": {"answer_durations": [{"question": "Q1", "seconds": 95}],
                "emotions": [{"label": "calm", "score": 0.82}]},
}

EXAMPLE_STARTED = {"event": "started", "assessment_id": "A-2026-000123", "started_at": "2026-03-10T08:20:00+00:00"}
