"""
One JSON error shape for every 4xx the API gives (and its 503):

    {"status": 400, "code": "invalid", "detail": "…", "fields": {"content": ["…"]}}

`fields` ties each message to the input field it is about (empty when the
error is about the request as a whole). `exception_handler` turns DRF's
exceptions, Django's `Http404`, `PermissionDenied` and `ValidationError`,
and the services' `NotFound` into it.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from .. import errors as site_errors
from ..services import NotFound

logger = logging.getLogger(__name__)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only)."""

    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    code = serializers.CharField(
        help_text="What went wrong, for programs: invalid, parse_error, not_authenticated, csrf_failed, "
        "permission_denied, not_found, method_not_allowed, not_acceptable, unsupported_media_type, "
        "throttled, login_locked_out, invalid_login, database_unavailable."
    )
    detail = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages about each input field, by field name; empty when none.",
    )


class TooManyRequests(exceptions.APIException):
    """429 with the seconds to wait (sent as Retry-After), in our own words."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "throttled"

    def __init__(self, detail, *, wait: int, code=None):
        super().__init__(detail, code)
        self.wait = wait


class LoginLockedOut(TooManyRequests):
    default_code = "login_locked_out"


class InvalidLogin(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_login"


class DatabaseUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "database_unavailable"


_DESCRIPTIONS = {
    400: "The input is not valid: `fields` says what is wrong with each field.",
    403: "Not signed in (`not_authenticated`), no valid CSRF token (`csrf_failed`), or not allowed.",
    404: "There is nothing at this address, or it was deleted.",
    429: "Too many writes (or failed log-ins): wait the seconds in `Retry-After`.",
}


def error_responses(*codes: int) -> dict:
    """The documented error responses of an operation, for `extend_schema(responses=...)`."""
    return {code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in codes}


def error_body(status_code: int, code: str, detail: str, fields: dict | None = None) -> dict:
    return {"status": status_code, "code": code, "detail": detail, "fields": fields or {}}


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [message for item in value for message in _messages(item)]
    if isinstance(value, dict):
        return [message for item in value.values() for message in _messages(item)]
    return [str(value)]


def _first_code(codes) -> str:
    while isinstance(codes, list | tuple | dict):
        if not codes:
            return "invalid"
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def _body_of(exc: exceptions.APIException) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        fields = {name: _messages(value) for name, value in detail.items()}
        general = fields.pop("non_field_errors", [])
        message = " ".join(general) or "Some fields are not valid: see `fields`."
        code = "invalid" if fields else _first_code(exc.get_codes())
        return error_body(exc.status_code, code, message, fields)
    if isinstance(detail, list):
        return error_body(exc.status_code, _first_code(exc.get_codes()), " ".join(_messages(detail)))
    return error_body(exc.status_code, _first_code(exc.get_codes()), str(detail))


def _as_api_exception(exc):
    if isinstance(exc, Http404 | NotFound):
        message = str(exc.args[0]) if exc.args else "There is nothing at this address."
        return exceptions.NotFound(message)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if site_errors.is_database_unavailable(exc):
        return DatabaseUnavailable(
            "The site can't reach its database right now, or it took too long. Please try again in a moment."
        )
    return exc


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every handled error as `ErrorSerializer`, with Retry-After where due."""
    exc = _as_api_exception(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    if isinstance(exc, DatabaseUnavailable):
        logger.error("Database unavailable during an API request", exc_info=exc.__context__)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, int(exc.wait)))
    if isinstance(exc, DatabaseUnavailable):
        headers["Retry-After"] = str(site_errors.DATABASE_RETRY_AFTER_SECONDS)
    # Imported here: DRF's views module reads the settings, which name
    # this module's neighbours (the parser), at import time.
    from rest_framework.views import set_rollback

    set_rollback()
    return Response(_body_of(exc), status=exc.status_code, headers=headers)
