"""The OpenAPI schema describes the API as it really answers (R-INT-1): every paginated list as
``{count, next, previous, results}``, the one error format on every operation that can answer it, and the
real media types of exports, media and documents. (.ci/schemathesis.sh checks the same against a live
server with demo data.)"""

import inspect

import jsonschema
import pytest
from django.test import RequestFactory
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework import exceptions

from hrsys.api import errors
from hrsys.api.pagination import Pagination
from hrsys.api.schema import CSV, DOCX, PDF, XLSX
from hrsys.core.exports import FORMATS

WRITES = {"post", "put", "patch", "delete"}
ERROR_COMPONENTS = {"Error", "ValidationError", "ConflictError", "AIDeliveryError"}

#: the lists answered page by page (the issue: 14 of them were documented as bare arrays)
PAGINATED = {
    "/api/v1/staff/", "/api/v1/jobs/", "/api/v1/candidates/", "/api/v1/applications/", "/api/v1/credentials/",
    "/api/v1/talent-pool/", "/api/v1/interviews/", "/api/v1/notifications/", "/api/v1/notifications/failed/",
    "/api/v1/offers/", "/api/v1/onboarding/cases/", "/api/v1/employees/", "/api/v1/attendance/accounts/",
    "/api/v1/dashboard/costs/",
}

#: endpoints that authenticate the caller themselves (webhooks, devices, candidates' signed links, the token
#: endpoint): the error answers each of them can give
PUBLIC_ERRORS = {
    ("post", "/api/v1/auth/token/"): {400, 429},
    ("get", "/api/v1/attendance/device/accounts/"): {400, 401},
    ("post", "/api/v1/attendance/punches/"): {400, 401},
    ("post", "/api/v1/integrations/ai-interviews/{vendor}/results/"): {400, 401, 403, 404, 413},
    ("post", "/api/v1/integrations/twilio/status/"): {400, 403},
    ("post", "/api/v1/integrations/twilio/voice/gather/"): {400, 403},
    ("get", "/api/v1/interviews/rebook/{token}/"): {404},
    ("post", "/api/v1/interviews/rebook/{token}/"): {400, 404, 409},
    ("post", "/api/v1/interviews/could-not-join/{token}/"): {400, 404, 409},
    ("get", "/api/v1/public/jobs/"): {400, 404, 429},  # the careers site (R-PIPE-8)
    ("get", "/api/v1/public/jobs/{id}/"): {404, 429},
    ("post", "/api/v1/public/jobs/{id}/applications/"): {400, 404, 429},
}

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

#: files: (method, path) -> the media types of the 200 answer
FILES = {
    ("get", "/api/v1/staff/export/"): {"text/csv", XLSX_MEDIA},
    ("get", "/api/v1/candidates/export/"): {"text/csv", XLSX_MEDIA},
    ("get", "/api/v1/applications/export/"): {"text/csv", XLSX_MEDIA},
    ("get", "/api/v1/attendance/reports/monthly/"): {"application/json", "text/csv", XLSX_MEDIA},
    ("get", "/api/v1/notifications/evidence/"): {"text/csv", DOCX_MEDIA, "application/pdf"},
    ("get", "/api/v1/resumes/{id}/file/"): {"application/pdf", DOCX_MEDIA},
    ("get", "/api/v1/credentials/{id}/file/"): {"application/pdf", "image/jpeg", "image/png",
                                                "application/octet-stream"},
    ("get", "/api/v1/ai-interviews/media/{id}/"): {"audio/*", "video/*", "application/pdf", "image/*",
                                                   "application/octet-stream"},
}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, op


def _component_name(node) -> str:
    return node.get("$ref", "").rsplit("/", 1)[-1]


def _json_schema(node):
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` becomes a ``null`` alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        out = {"anyOf": [out, {"type": "null"}]}
    return out


def _validator(schema, component: str):
    return jsonschema.Draft7Validator({"$ref": f"#/components/schemas/{component}",
                                       "components": _json_schema(schema["components"])})


def _api_views():
    """(schema path, method, view class) of every API operation, as drf-spectacular enumerates them."""
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        yield path.replace("{pk}", "{id}"), method.lower(), callback.cls


# -- pagination -------------------------------------------------------------------------------------------

def _paginates_in_source(view_cls) -> bool:
    source = inspect.getsource(view_cls.get)
    return "Pagination()" in source or "_paginate(" in source


def test_r_int_1_every_view_that_paginates_documents_count_next_previous_results(schema, users, api_as,
                                                                                   monkeypatch):
    """The views that call the paginator, found twice (in their code, and by calling every list without path
    parameters): each documents the paginator's body, its page parameters and the 404 of a page past the end."""
    by_source = {path for path, method, cls in _api_views() if method == "get" and _paginates_in_source(cls)}

    seen = set()
    original = Pagination.paginate_queryset

    def recording(self, queryset, request, view=None):
        seen.add(type(view))
        return original(self, queryset, request, view=view)

    monkeypatch.setattr(Pagination, "paginate_queryset", recording)
    client = api_as(users.admin)
    views = {cls: path for path, method, cls in _api_views() if method == "get"}
    for path in views.values():
        if "{" not in path:
            client.get(path)
    by_call = {views[cls] for cls in seen}

    assert by_source == by_call and PAGINATED <= by_source
    for path in by_source:
        op = schema["paths"][path]["get"]
        body = _resolve(schema, op["responses"]["200"]["content"]["application/json"]["schema"])
        assert body["type"] == "object", path
        # issue 17: count is bounded (exact up to 1,000), count_exact says whether it is the whole figure
        assert set(body["required"]) == {"count", "count_exact", "next", "previous", "results"}, path
        assert body["properties"]["count"]["type"] == "integer"
        assert body["properties"]["count_exact"]["type"] == "boolean"
        assert body["properties"]["next"]["nullable"] and body["properties"]["previous"]["nullable"]
        assert body["properties"]["results"]["type"] == "array", path
        query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
        assert {"page", "page_size"} <= query, path
        assert "404" in op["responses"], path


def test_r_int_1_a_real_page_matches_the_documented_body(schema, users, api_as):
    response = api_as(users.admin).get("/api/v1/staff/", {"page_size": 2})
    assert response.status_code == 200
    op = schema["paths"]["/api/v1/staff/"]["get"]
    component = _component_name(op["responses"]["200"]["content"]["application/json"]["schema"])
    _validator(schema, component).validate(response.json())
    assert response.json()["count"] == 6 and response.json()["next"] and response.json()["previous"] is None


def test_r_int_1_lists_that_are_not_paginated_stay_arrays(schema):
    op = schema["paths"]["/api/v1/candidates/{id}/timeline/"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "page" not in {p["name"] for p in op.get("parameters", [])}


# -- errors -----------------------------------------------------------------------------------------------

def _expected_errors(method, path, op) -> set[int]:
    """What the API can answer besides success, by the platform's rules (hrsys/api/schema.py)."""
    security = op.get("security", [])
    staff = any("tokenAuth" in requirement for requirement in security)
    parameters = op.get("parameters", [])
    query = any(p["in"] == "query" for p in parameters)
    path_params = any(p["in"] == "path" for p in parameters)
    body = "requestBody" in op
    ok = op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
    paginated = _component_name(ok).startswith("Paginated")
    codes = set()
    if staff:
        codes |= {401, 403}
        if method in WRITES:
            codes.add(409)
        if query or body:
            codes.add(404)  # ids named in the input are looked up in the viewer's scope
    if path_params or paginated:
        codes.add(404)
    if query or body or method in WRITES:
        codes.add(400)
    return codes


def test_r_int_1_every_operation_documents_the_error_responses_it_can_return(schema):
    public = set()
    for method, path, op in _operations(schema):
        documented = {int(code) for code in op["responses"] if code.startswith(("4", "5"))}
        expected = PUBLIC_ERRORS.get((method, path)) or _expected_errors(method, path, op)
        assert expected <= documented, f"{method.upper()} {path}: missing {sorted(expected - documented)}"
        if not any("tokenAuth" in r for r in op.get("security", [])):
            public.add((method, path))
        for code in documented - {416}:  # 416: a range past the end of a file, no body
            content = op["responses"][str(code)]["content"]
            assert list(content) == ["application/json"], f"{method.upper()} {path} {code}"
            body = content["application/json"]["schema"]
            names = {_component_name(body)} | {_component_name(s) for s in _resolve(schema, body).get("oneOf", [])}
            assert names & ERROR_COMPONENTS, f"{method.upper()} {path} {code}: {body}"
    assert public == set(PUBLIC_ERRORS), "a new public endpoint: name its error answers in PUBLIC_ERRORS"


@pytest.mark.parametrize(("exc", "status", "component"), [
    (exceptions.ValidationError({"phone": ["bad"]}), 400, "ValidationError"),
    (exceptions.ParseError(), 400, "ValidationError"),
    (exceptions.NotAuthenticated(), 401, "Error"),
    (exceptions.PermissionDenied(), 403, "Error"),
    (exceptions.NotFound(), 404, "Error"),
    (errors.Conflict("not now", allowed=["reject"]), 409, "ConflictError"),
    (exceptions.Throttled(wait=30), 429, "Error"),
])
def test_r_int_1_the_error_components_match_what_the_handler_answers(schema, exc, status, component):
    response = errors.exception_handler(exc, {})
    assert response.status_code == status
    _validator(schema, component).validate(response.data)


def test_r_int_1_real_error_answers_match_their_components(schema, users, api_as, api_client, org):
    validation = _validator(schema, "ValidationError")
    error = _validator(schema, "Error")
    anonymous = api_client.get("/api/v1/me/")
    assert anonymous.status_code in (401, 403)
    error.validate(anonymous.json())
    client = api_as(users.hr)
    missing = client.get("/api/v1/jobs/999999/")
    assert missing.status_code == 404
    error.validate(missing.json())
    refused = client.post("/api/v1/jobs/", {"department": org.emergency.pk, "title": "x", "bogus": 1})
    assert refused.status_code == 400
    validation.validate(refused.json())
    assert "bogus" in refused.json()["error"]["fields"]


def test_r_int_1_unrouted_api_addresses_answer_the_json_404(schema, client, db):
    """An id that is not a number matches no route: under /api/ the documented JSON 404, not Django's page."""
    response = client.get("/api/v1/jobs/not-a-number/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    _validator(schema, "Error").validate(response.json())
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_r_int_1_requests_django_refuses_answer_the_json_400(schema):
    response = errors.bad_request(RequestFactory().post("/api/v1/jobs/"))
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    import json

    _validator(schema, "ValidationError").validate(json.loads(response.content))
    assert errors.bad_request(RequestFactory().get("/admin/")).status_code == 400


def test_r_int_1_null_in_a_form_json_field_is_a_400_not_a_500(users, api_as, org):
    """Found by Schemathesis: ``credential_checkpoints=null`` as a form field reached the database as NULL."""
    response = api_as(users.hr).post("/api/v1/jobs/", {"department": org.emergency.pk, "title": "急诊护士",
                                                       "credential_checkpoints": "null"}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["credential_checkpoints"]


# -- media types ------------------------------------------------------------------------------------------

def test_r_int_1_files_document_their_real_media_types(schema):
    assert {CSV, XLSX, DOCX, PDF} == {"text/csv", XLSX_MEDIA, DOCX_MEDIA, "application/pdf"}
    for (method, path), media_types in FILES.items():
        ok = schema["paths"][path][method]["responses"]["200"]["content"]
        assert set(ok) == media_types, path
        for media_type, content in ok.items():
            if media_type != "application/json":
                assert content["schema"] == {"type": "string", "format": "binary"}, (path, media_type)
    media = schema["paths"]["/api/v1/ai-interviews/media/{id}/"]["get"]["responses"]
    assert set(media["206"]["content"]) == FILES[("get", "/api/v1/ai-interviews/media/{id}/")]
    assert "content" not in media["416"]


def test_r_int_1_stored_documents_answer_the_media_type_of_their_content(schema, users, api_as, org):
    """Resumes and credential scans are served as what they are (checked by content on upload), not as what
    the uploaded file's name claimed: ``cv.txt`` holding a DOCX is a DOCX, ``scan.txt`` holding a PNG a PNG."""
    from candidates import services
    from tests.candidates.factories import ApplicationFactory, JobFactory
    from tests.candidates.test_resumes import EN_LINES, make_docx

    app = ApplicationFactory(job=JobFactory(department=org.emergency))
    resume = services.resume_upload(actor=users.hr, candidate_id=app.candidate_id, data=make_docx(EN_LINES),
                                    filename="cv.txt")
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    cred = services.credential_add(actor=users.hr, candidate_id=app.candidate_id, type="nurse_licence",
                                   file_data=png, file_name="scan.txt")
    client = api_as(users.hr)
    for path, url, media_type in [("/api/v1/resumes/{id}/file/", f"/api/v1/resumes/{resume.pk}/file/", DOCX_MEDIA),
                                  ("/api/v1/credentials/{id}/file/", f"/api/v1/credentials/{cred.pk}/file/",
                                   "image/png")]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == media_type
        assert media_type in schema["paths"][path]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r_int_1_exports_answer_a_documented_media_type(schema, users, api_as, fmt):
    response = api_as(users.hr).get("/api/v1/staff/export/", {"format": fmt})
    assert response.status_code == 200
    media_type = response["Content-Type"].split(";")[0]
    assert media_type == FORMATS[fmt].split(";")[0]
    assert media_type in schema["paths"]["/api/v1/staff/export/"]["get"]["responses"]["200"]["content"]
