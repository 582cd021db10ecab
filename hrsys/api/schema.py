"""The OpenAPI description of the API (``/api/schema/``) as the API really answers (R-INT-1).

- Components are named after their view (``JobListApi.InputSerializer`` -> ``JobListInput``).
- A list answered page by page declares ``responses=paginated(OutputSerializer)``: the schema then shows
  the paginator's ``{count, next, previous, results}`` and its ``page`` / ``page_size`` parameters.
- The one error format (``hrsys.api.errors``) is added here, by rule, to every operation that can answer it:

  ====  ===========================================================================================
  400   an operation with a request body or query parameters, and every write (POST / PUT / PATCH /
        DELETE): services refuse bad input with field messages even when there is no body
  401   an operation that needs a login (staff session or ``Authorization: Token ...``)
  403   the same (logged in, without the permission)
  404   an operation with a path parameter (unknown, or outside the viewer's data scope); a staff
        operation with a body or query parameters (the records they name by id are looked up in the
        viewer's scope); a paginated list (a page past the end)
  409   a staff write: not possible in the current state
  429   a throttled operation
  ====  ===========================================================================================

  Public and machine endpoints (webhooks, devices, candidate links) authenticate themselves; they name
  their other error answers in ``extend_schema(responses={..., **errors(401, 409)})``. A declared error
  code without a body (``403: None``) gets the error body too.
- Files are binary responses with their real media types: ``responses=binary(CSV, XLSX)``.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .pagination import Pagination

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
ICS = "text/calendar"
JPEG = "image/jpeg"
PNG = "image/png"
OCTET_STREAM = "application/octet-stream"
AUDIO = "audio/*"
VIDEO = "video/*"
IMAGE = "image/*"

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# -- the error format ---------------------------------------------------------------------------------

class ErrorDetailSerializer(serializers.Serializer):
    class Meta:
        ref_name = "ErrorDetail"

    code = serializers.CharField(help_text="Machine-readable: not_found, not_authenticated, permission_denied, "
                                           "throttled, parse_error, ...")
    message = serializers.CharField(help_text="For people, in the request's language.")


class ErrorSerializer(serializers.Serializer):
    """``{"error": {"code": ..., "message": ...}}``"""

    class Meta:
        ref_name = "Error"

    error = ErrorDetailSerializer()


class ValidationErrorDetailSerializer(ErrorDetailSerializer):
    class Meta:
        ref_name = "ValidationErrorDetail"

    fields = serializers.DictField(
        child=serializers.JSONField(), required=False,
        help_text="Each invalid (or unknown) field with its messages; ``non_field_errors`` for the request as a "
                  "whole. Absent when the body could not be read at all (``parse_error``).")


class ValidationErrorSerializer(serializers.Serializer):
    """``{"error": {"code": "invalid", "message": ..., "fields": {"phone": ["..."]}}}``"""

    class Meta:
        ref_name = "ValidationError"

    error = ValidationErrorDetailSerializer()


class ConflictErrorDetailSerializer(ErrorDetailSerializer):
    class Meta:
        ref_name = "ConflictErrorDetail"

    allowed = serializers.ListField(child=serializers.CharField(),
                                    help_text="The moves (or ways out) allowed in the current state.")
    duplicates = serializers.ListField(child=serializers.DictField(), required=False,
                                       help_text="code ``duplicate``: the matching records you may see")
    hidden_duplicates = serializers.IntegerField(required=False,
                                                 help_text="code ``duplicate``: matches outside your scope")


class ConflictErrorSerializer(serializers.Serializer):
    """``{"error": {"code": "conflict", "message": ..., "allowed": ["reject", ...]}}``"""

    class Meta:
        ref_name = "ConflictError"

    error = ConflictErrorDetailSerializer()


ERROR_RESPONSES = {
    400: (ValidationErrorSerializer, "Invalid request: `error.fields` names every bad or unknown field with "
                                     "its messages."),
    401: (ErrorSerializer, "Not authenticated: credentials missing or not valid."),
    403: (ErrorSerializer, "Authenticated, but not allowed to do this."),
    404: (ErrorSerializer, "Not found, or outside your data scope (never 403, so nothing leaks); for a list, a "
                           "page past the end."),
    409: (ConflictErrorSerializer, "Not possible in the current state: `error.allowed` lists what is allowed "
                                   "now."),
    413: (ErrorSerializer, "The body is too large."),
    429: (ErrorSerializer, "Too many requests: try again later."),
    503: (ErrorSerializer, "Temporarily unavailable on this server."),
}


def errors(*codes: int) -> dict:
    """``extend_schema(responses={200: X, **errors(401, 409)})``: error answers a view names itself (the
    rules of ``AutoSchema`` add the usual ones)."""
    return {code: OpenApiResponse(response=ERROR_RESPONSES[code][0], description=ERROR_RESPONSES[code][1])
            for code in codes}


def validation_error_or(serializer, component_name: str) -> PolymorphicProxySerializer:
    """A 400 that answers either the error format or ``serializer`` (e.g. an import report refused whole)."""
    return PolymorphicProxySerializer(component_name=component_name, resource_type_field_name=None,
                                      serializers=[ValidationErrorSerializer, serializer])


# -- files --------------------------------------------------------------------------------------------

def binary(*media_types: str, status: int = 200) -> dict:
    """``extend_schema(responses=binary(CSV, XLSX))``: a file answer in each of these media types."""
    return {(status, media_type): OpenApiTypes.BINARY for media_type in media_types}


def ranged(*media_types: str) -> dict:
    """A seekable file (``hrsys.core.ranges.ranged_response``): 200 whole, 206 the ``Range`` asked for, 416
    (no body) for a range past the end."""
    return {**binary(*media_types), **binary(*media_types, status=206),
            416: OpenApiResponse(description="The Range header asks for bytes past the end of the file.")}


# -- pagination ---------------------------------------------------------------------------------------

class PaginatedListSerializer(serializers.ListSerializer):
    """Schema marker: this list is answered one page at a time by ``hrsys.api.pagination.Pagination``."""


def paginated(serializer) -> PaginatedListSerializer:
    """``extend_schema(responses=paginated(JobOutputSerializer))`` for a view that answers
    ``Pagination().get_paginated_response(...)``."""
    child = serializer() if isinstance(serializer, type) else serializer
    return PaginatedListSerializer(child=child)


def _is_paginated(serializer) -> bool:
    if isinstance(serializer, OpenApiResponse):
        serializer = serializer.response
    return isinstance(serializer, PaginatedListSerializer)


class AutoSchema(SpectacularAutoSchema):
    """Names components after their view when serializers are nested in it; documents pagination and the
    error format (see the module docstring).

    Every API view here declares ``InputSerializer`` / ``OutputSerializer`` inside
    itself (one view per operation); named by class alone they would all collide
    as "Input" / "Output" and the schema would describe the wrong bodies.
    """

    _paginating = False

    def get_serializer_name(self, serializer, direction):
        cls = serializer if isinstance(serializer, type) else type(serializer)
        outer, _, inner = cls.__qualname__.rpartition(".")
        if not outer:
            return super().get_serializer_name(serializer, direction)
        view = outer.split(".")[-1].removesuffix("Api").removesuffix("View")
        return view + inner.removesuffix("Serializer")

    # pagination ---------------------------------------------------------------------------------------

    def declares_pagination(self) -> bool:
        responses = self.get_response_serializers()
        if isinstance(responses, dict):
            return any(_is_paginated(s) for code, s in responses.items()
                       if str(code[0] if isinstance(code, tuple) else code).startswith("2"))
        return _is_paginated(responses)

    def _get_paginator(self):
        if self._paginating:
            return Pagination()
        return super()._get_paginator()

    def _get_pagination_parameters(self):
        if self.method == "GET" and self.declares_pagination():
            return Pagination().get_schema_operation_parameters(self.view)
        return super()._get_pagination_parameters()

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        self._paginating = _is_paginated(serializer)
        try:
            return super()._get_response_for_code(serializer, status_code, media_types, direction)
        finally:
            self._paginating = False

    # errors -------------------------------------------------------------------------------------------

    def requires_login(self) -> bool:
        """True for staff operations: DRF authenticates the caller and a permission other than AllowAny
        applies. Machine and candidate endpoints (no authenticators, AllowAny) authenticate themselves."""
        if not self.view.get_authenticators():
            return False
        return not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def error_codes(self, operation: dict) -> set[int]:
        """The error answers this operation can give, by the rules in the module docstring."""
        codes = {int(code) for code in operation["responses"] if code.isdigit() and int(code) in ERROR_RESPONSES}
        parameters = operation.get("parameters", [])
        has_input = "requestBody" in operation or any(p["in"] == "query" for p in parameters)
        staff = self.requires_login()
        if staff:
            codes |= {401, 403}
            if self.method in WRITE_METHODS:
                codes.add(409)
        if any(p["in"] == "path" for p in parameters) or self.declares_pagination() or (staff and has_input):
            codes.add(404)
        if has_input or self.method in WRITE_METHODS:
            codes.add(400)
        if self.view.get_throttles():
            codes.add(429)
        return codes

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in sorted(self.error_codes(operation)):
            if "content" in responses.get(str(code), {}):
                continue  # the view described this answer itself
            serializer, description = ERROR_RESPONSES[code]
            responses[str(code)] = {
                "content": {"application/json": {"schema": self.resolve_serializer(serializer, "response").ref}},
                "description": description,
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation
