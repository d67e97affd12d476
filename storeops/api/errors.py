"""One error shape for the whole API.

Every error body is ``{"error": {"code", "message", "fields"?}}``: ``code`` is
stable for programs, ``message`` is for people (in the request's language) and
``fields`` appears only on validation errors, mapping a field, or
``non_field_errors``, to its messages.

Domain errors (``OrderError``, ``CatalogError``, ``StockError`` ...) are
Django ``ValidationError`` subclasses carrying a ``code``; they are recognised
by that shape, not by importing each app, so a new app's errors need no change
here. One that sets ``status_code = 409`` is answered as a conflict.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

NON_FIELD_ERRORS = "non_field_errors"

# The most specific class wins: the first match in this order gives the code.
API_ERROR_CODES: tuple[tuple[type[exceptions.APIException], str], ...] = (
    (exceptions.ValidationError, "invalid"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "not_authenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.Throttled, "throttled"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.ParseError, "parse_error"),
)
DEFAULT_MESSAGES = {
    "invalid": _("Invalid input."),
    "not_authenticated": _("Authentication credentials were not provided or are not valid."),
    "permission_denied": _("You do not have permission to perform this action."),
    "not_found": _("Not found."),
    "server_error": _("A server error occurred. The team has been told; please try again."),
}
# Older views wrap a domain error as ``ValidationError({"detail": ..., "code": ...})``.
WRAPPED_DOMAIN_KEYS = frozenset({"detail", "code"})


class ApiError(Exception):
    """An error a view raises to answer with a given code, message and status."""

    def __init__(self, message: Any, *, code: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable, machine-readable error code."))
    message = serializers.CharField(help_text=_("Human-readable message, translated."))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_('Validation errors only: messages per field, or "non_field_errors".'),
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every API error response (for the OpenAPI schema)."""

    error = ErrorDetailSerializer()


def error_body(
    code: str, message: Any, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    detail: dict[str, Any] = {"code": code, "message": force_str(message)}
    if fields is not None:
        detail["fields"] = fields
    return {"error": detail}


def error_json_response(code: str, status_code: int, message: Any = None) -> JsonResponse:
    """The error shape for plain Django views (``handler404`` and friends)."""
    return JsonResponse(
        error_body(code, message if message is not None else DEFAULT_MESSAGES[code]),
        status=status_code,
    )


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _messages(detail: Any) -> list[str]:
    """Flatten DRF's nested detail (strings, lists, dicts of nested serializers)."""
    if isinstance(detail, dict):
        return [
            f"{key}: {message}" for key, value in detail.items() for message in _messages(value)
        ]
    if isinstance(detail, list | tuple):
        return [message for item in detail for message in _messages(item)]
    return [force_str(detail)]


def _validation_fields(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {force_str(key): _messages(value) for key, value in detail.items()}
    return {NON_FIELD_ERRORS: _messages(detail)}


def _wrapped_domain_error(detail: Any) -> tuple[str, str] | None:
    """``(code, message)`` of a domain error an older view wrapped in a ValidationError."""
    if not isinstance(detail, dict) or set(detail) != WRAPPED_DOMAIN_KEYS:
        return None
    code, message = _messages(detail["code"]), _messages(detail["detail"])
    if len(code) != 1 or not message:
        return None
    return code[0], " ".join(message)


def _is_domain_error(exc: BaseException) -> bool:
    return (
        isinstance(exc, DjangoValidationError)
        and not hasattr(exc, "error_dict")
        and bool(getattr(exc, "code", None))
    )


def _django_validation_response(exc: DjangoValidationError) -> Response:
    if _is_domain_error(exc):
        status_code = getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST)
        return Response(error_body(exc.code, str(exc)), status=status_code)
    if hasattr(exc, "error_dict"):
        fields = {
            NON_FIELD_ERRORS if key == "__all__" else key: messages
            for key, messages in exc.message_dict.items()
        }
    else:
        fields = {NON_FIELD_ERRORS: exc.messages}
    return Response(
        error_body("invalid", DEFAULT_MESSAGES["invalid"], fields),
        status=status.HTTP_400_BAD_REQUEST,
    )


def _api_exception_code(exc: exceptions.APIException) -> str:
    for exception_class, code in API_ERROR_CODES:
        if isinstance(exc, exception_class):
            return code
    return exc.default_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: every handled error in the one shape; others become 500."""
    if isinstance(exc, ApiError):
        set_rollback()
        return Response(error_body(exc.code, exc.message), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return _django_validation_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    # DRF's handler sets the headers (WWW-Authenticate, Retry-After) and rolls back.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)

    code = _api_exception_code(exc)
    if isinstance(exc, exceptions.ValidationError):
        wrapped = _wrapped_domain_error(exc.detail)
        if wrapped:
            response.data = error_body(*wrapped)
        else:
            response.data = error_body(
                code, DEFAULT_MESSAGES["invalid"], _validation_fields(exc.detail)
            )
        return response

    if code == "not_authenticated":
        # With session authentication listed first DRF would answer 403; a client
        # without credentials is told 401 and how to authenticate instead.
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response.headers.setdefault("WWW-Authenticate", "Token")
    message = exc.detail if isinstance(exc.detail, str) else exc.default_detail
    response.data = error_body(code, message)
    return response
