"""
Error responses in the site's own words and style.

Every error has a full page (`templates/<status>.html`) and, for htmx
requests, a short message swapped into the page's `#htmx-messages` region,
so a failed click explains itself where the person is looking instead of
replacing part of the page with an error page.

The 500 and 503 answers never touch the database or `request.user`: they
are given exactly when the database may be the thing that failed.
"""

from __future__ import annotations

import logging
import math
import sys

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token
from django_htmx.http import reswap, retarget

from .models import CONTENT_MAX_LENGTH

logger = logging.getLogger(__name__)

MESSAGES_TARGET = "#htmx-messages"
# SQLSTATE query_canceled: PostgreSQL stopped a statement at statement_timeout.
QUERY_CANCELED = "57014"
DATABASE_RETRY_AFTER_SECONDS = 30


def _is_htmx(request) -> bool:
    # Read the header rather than request.htmx: these responses are also
    # built before or outside django-htmx's middleware.
    return request.headers.get("HX-Request") == "true"


# Errors of the JSON API are JSON, in the API's documented shape
# (community/api/errors.py), also when they are answered before it runs.
API_PREFIX = "/api/"
API_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    429: "throttled",
    500: "server_error",
    503: "database_unavailable",
}


def _respond(request, status: int, *, title: str, message: str, template: str, standalone=False):
    context = {"status": status, "title": title, "message": message}
    if request.path.startswith(API_PREFIX):
        body = {"status": status, "code": API_CODES.get(status, "error"), "detail": message, "fields": {}}
        return JsonResponse(body, status=status)
    if _is_htmx(request):
        body = render_to_string("community/partials/error_message.html", context)
        return reswap(retarget(HttpResponse(body, status=status), MESSAGES_TARGET), "innerHTML")
    if standalone:
        # No request: no context processors, so nothing reads the session,
        # the user or the database.
        return HttpResponse(render_to_string(template, context), status=status)
    return render(request, template, context, status=status)


def _exception_message(exception, default: str) -> str:
    """The message an exception was raised with, when it has one meant for people."""
    message = exception.args[0] if exception is not None and exception.args else None
    return message if isinstance(message, str) and message else default


# --- Handlers named in config/urls.py ----------------------------------------


@requires_csrf_token
def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = "That request had far more fields than any form on this site sends."
    else:
        # Other SuspiciousOperations (a forged host, a tampered session) get
        # no detail: their messages are for the log, not the client.
        message = "The request could not be understood."
    return _respond(request, 400, title="Bad request", message=message, template="400.html")


@requires_csrf_token
def permission_denied(request, exception=None):
    message = _exception_message(exception, "You don't have permission to do that.")
    return _respond(request, 403, title="Not allowed", message=message, template="403.html")


@requires_csrf_token
def page_not_found(request, exception=None):
    message = _exception_message(exception, "There is nothing at this address.")
    return _respond(request, 404, title="Not found", message=message, template="404.html")


def server_error(request):
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable(request, sys.exc_info()[1])
    return _respond(
        request,
        500,
        title="Something went wrong",
        message="Something went wrong on our side and it has been logged. Please try again in a moment.",
        template="500.html",
        standalone=True,
    )


@requires_csrf_token
def csrf_failure(request, reason=""):
    return _respond(
        request,
        403,
        title="Form expired",
        message="This form was sent without a valid security token, so nothing was changed. "
        "Reload the page and try again (cookies must be enabled for this site).",
        template="403.html",
    )


# --- Responses given by the middleware, rate limits and login throttling ------


@requires_csrf_token
def request_too_large(request):
    """
    413: the body was over the limit. Also at /errors/413/, where the proxy
    in front fetches it to answer uploads it refuses itself.
    """
    return _respond(
        request,
        413,
        title="Too much data",
        message="That request was too large to accept. Posts and comments are limited to "
        f"{CONTENT_MAX_LENGTH:,} characters; shorten the text and try again.",
        template="400.html",
    )


def bad_input(request, message: str):
    return _respond(request, 400, title="Bad request", message=message, template="400.html")


def method_not_allowed(request, allowed: str):
    response = _respond(
        request,
        405,
        title="Not allowed here",
        message=f"This address does not accept {request.method} requests (it accepts {allowed}).",
        template="400.html",
    )
    response["Allow"] = allowed
    return response


def too_many_requests(request, *, message: str, retry_after: int):
    response = _respond(request, 429, title="Slow down", message=message, template="429.html")
    response["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def is_database_unavailable(exception) -> bool:
    """The database is down, unreachable, or cancelled a statement that ran too long."""
    return isinstance(exception, OperationalError | InterfaceError)


def _is_statement_timeout(exception) -> bool:
    cause = exception.__cause__
    return QUERY_CANCELED in {getattr(cause, "pgcode", None), getattr(cause, "sqlstate", None)}


def database_unavailable(request, exception):
    if _is_statement_timeout(exception):
        title, message = (
            "Taking too long",
            "The site is busy and could not answer in time. Please try again in a moment.",
        )
    else:
        title, message = (
            "Temporarily unavailable",
            "The site can't reach its database right now, so your last action may not have gone through. "
            "Please try again in a minute.",
        )
    response = _respond(request, 503, title=title, message=message, template="503.html", standalone=True)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
