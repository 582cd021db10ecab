"""Vendor configuration is validated on save; a new vendor is an adapter class plus a row (R-AI-3);
the generic format is published in the OpenAPI schema with examples."""

import pytest
from django.core.exceptions import ValidationError

from interviews.ai.adapters.base import Adapter, ParsedDelivery, load_json
from interviews.ai.models import Vendor
from tests.ai_interviews.factories import VendorFactory


@pytest.mark.parametrize("changes,field", [
    ({"adapter": "some.module.Nope"}, "adapter"),
    ({"dimension_map": [{"vendor": "logic", "dimension": "Logic!", "min": 1, "max": 5}]}, "dimension_map"),
    ({"dimension_map": [{"vendor": "logic", "dimension": "logic", "min": 5, "max": 1}]}, "dimension_map"),
    ({"dimension_map": [{"vendor": "a", "dimension": "x"}, {"vendor": "a", "dimension": "y"}]}, "dimension_map"),
    ({"dimension_map": [{"vendor": "a", "dimension": "x", "weight": 2}]}, "dimension_map"),
    ({"dimension_map": {"logic": "logic"}}, "dimension_map"),
    ({"secret": "short"}, "secret"),
    ({"overall_min": 10, "overall_max": 5}, "overall_max"),
    ({"timestamp_tolerance_seconds": 86400}, "timestamp_tolerance_seconds"),
])
def test_r_ai_3_vendor_configuration_is_validated_on_save(db, changes, field):
    with pytest.raises(ValidationError) as exc:
        Vendor.objects.create(**{"slug": "bad", "name": "Bad", "adapter": "interviews.ai.adapters.generic.GenericAdapter",
                                 "secret": "s" * 32, **changes})
    assert field in exc.value.message_dict


class GreenhouseStyleAdapter(Adapter):
    """A vendor returning Greenhouse's compact test_status shape, added without touching hrsys code."""

    def parse(self, body, *, headers=None):
        data = load_json(body)
        return ParsedDelivery(event="result", kind="result", assessment_id=data["partner_profile_url"].rsplit("/", 1)[-1],
                              vendor_result_id=data["partner_profile_url"], overall=data["partner_score"],
                              report_url=data["partner_profile_url"])


def test_r_ai_3_a_new_vendor_is_an_adapter_class_plus_a_row(settings, er_job, post_result, worker):
    from pathlib import Path

    from interviews.ai.models import AIInterviewResult
    from tests.ai_interviews.conftest import GENERIC_SECRET, generic_headers
    from tests.ai_interviews.factories import ApplicationFactory, InvitationFactory

    settings.AI_INTERVIEW_ADAPTERS = ["tests.ai_interviews.test_vendor.GreenhouseStyleAdapter"]
    vendor = VendorFactory(slug="gh", adapter="tests.ai_interviews.test_vendor.GreenhouseStyleAdapter",
                           secret=GENERIC_SECRET)
    InvitationFactory(application=ApplicationFactory(job=er_job, state="ai_invited"), vendor=vendor,
                      assessment_id="12345")
    body = (Path(__file__).resolve().parent.parent / "fixtures" / "greenhouse_test_status_response.json").read_bytes()
    response = post_result(body, raw=True, vendor="gh", headers=generic_headers(body))
    assert response.status_code == 202, response.content
    assert AIInterviewResult.objects.get().overall_score == 81


def test_r_ai_3_generic_format_is_in_the_openapi_schema_with_examples(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    op = schema["paths"]["/api/v1/integrations/ai-interviews/{vendor}/results/"]["post"]
    assert "X-Hrsys-Signature" in op["description"]
    content = op["requestBody"]["content"]["application/json"]
    assert "examples" in content and any("result_id" in str(e) for e in content["examples"].values())
    assert op.get("security") in (None, [], [{}])  # no session or token: the signature authenticates
    assert "get" not in schema["paths"]["/api/v1/integrations/ai-interviews/{vendor}/results/"]
