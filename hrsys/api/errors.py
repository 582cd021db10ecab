"""One error format for the whole API.

    400 {"error": {"code": "invalid", "message": "...", "fields": {"phone": ["..."]}}}
    409 {"error": {"code": "conflict", "message": "...", "allowed": ["reject", ...]}}
    4xx {"error": {"code": "<drf code>", "message": "..."}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hrsys.crypto.storage import StorageUnavailable


class Conflict(exceptions.APIException):
    """An illegal state change: answered 409 with the moves allowed now."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "This change is not allowed in the current state."

    def __init__(self, detail=None, *, allowed=None):
        super().__init__(detail)
        self.allowed = list(allowed or [])


def _flatten(detail):
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [str(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [str(detail)]


def error_messages(exc) -> list[str]:
    """The messages of a refused service call, for an HTML page (the API has ``exception_handler``): every field
    message of a ValidationError, or the detail of a Conflict / other API exception."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            return [m for msgs in exc.message_dict.values() for m in msgs]
        return list(exc.messages)
    return [str(getattr(exc, "detail", None) or exc)]


def error_body(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


class StorageFull(exceptions.APIException):
    """A file could not be stored (hrsys.crypto.storage.StorageUnavailable): 503, nothing saved."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "storage_unavailable"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, StorageUnavailable):
        exc = StorageFull(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = _flatten(detail)
        response.data = error_body("invalid", _("The request has invalid fields."), fields=fields)
    elif isinstance(exc, Conflict):
        response.data = error_body("conflict", str(exc.detail), allowed=exc.allowed)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response


def conflict_response(message: str, allowed) -> Response:
    return Response(error_body("conflict", message, allowed=list(allowed)), status=status.HTTP_409_CONFLICT)


def bad_request(request, exception=None):
    """``handler400``: a request Django itself refuses before the view (too many form fields, a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``) answers the one error format under ``/api/``, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("bad_request", str(exceptions.ParseError.default_detail)), status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request, exception=None):
    """``handler404``: an address under ``/api/`` that matches no route (``/api/v1/jobs/abc/``) answers the
    one error format like any other API 404; every other address gets Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", str(exceptions.NotFound.default_detail)), status=404)
    return defaults.page_not_found(request, exception)
