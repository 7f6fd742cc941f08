"""
Middleware that keeps bad input, a missing database and foreign scripts out.

- `ContentSecurityPolicyMiddleware` sends the policy in settings.CONTENT_SECURITY_POLICY
  (Django 5.2 has no CSP support of its own).
- `RequestValidationMiddleware` refuses text that is not UTF-8 and NUL
  characters in the address with a 400 before any view or form sees them, and
  gives the empty 405 answers of `require_POST` and friends a message.
- `DatabaseUnavailableMiddleware` turns "database down" and "statement timed
  out" into the friendly 503 page instead of a 500.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import UnreadablePostError

from . import errors

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class ContentSecurityPolicyMiddleware:
    """
    Send settings.CONTENT_SECURITY_POLICY on every response that has none.

    With DEBUG on the policy is only reported (Content-Security-Policy-Report-Only):
    violations still show in the browser console, and Django's technical error
    pages, which use inline styles and scripts, keep working.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        header = "Content-Security-Policy-Report-Only" if settings.DEBUG else "Content-Security-Policy"
        if policy and "Content-Security-Policy" not in response:
            response.headers.setdefault(header, policy)
        return response


def _decode_form_data(raw: bytes) -> str | None:
    """
    URL-encoded `raw` (a query string or a form body) percent-decoded as
    UTF-8 text, or None when it is not UTF-8.

    Django would decode it with replacement characters and carry on, which
    would silently store "\ufffd" in place of what was sent. Decoding the
    whole string at once is enough: the separators are ASCII, so the whole is
    valid UTF-8 exactly when every name and value is.
    """
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _raw_query_string(request) -> bytes:
    query = request.META.get("QUERY_STRING", "")
    try:
        # WSGI servers hand over the raw bytes as a latin-1 string.
        return query.encode("iso-8859-1")
    except UnicodeEncodeError:
        return query.encode("utf-8", "surrogateescape")


class RequestValidationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            return errors.method_not_allowed(request, response.get("Allow", ""))
        return response

    def refusal(self, request):
        query = _decode_form_data(_raw_query_string(request))
        if query is None:
            return errors.bad_input(request, "The address is not valid UTF-8 text.")
        if "\x00" in request.path or "\x00" in query:
            return errors.bad_input(request, "The address contains a NUL character, which is never valid.")
        if request.content_type == FORM_CONTENT_TYPE:
            try:
                # Past DATA_UPLOAD_MAX_MEMORY_SIZE this raises RequestDataTooBig,
                # which handler400 answers with 413.
                body = request.body
            except UnreadablePostError:
                return errors.bad_input(request, "The request body could not be read.")
            if _decode_form_data(body) is None:
                return errors.bad_input(
                    request, "The form data is not valid UTF-8 text, so it was not saved. Please try again."
                )
        return None


class DatabaseUnavailableMiddleware:
    """
    A view that fails because the database is unreachable or cancelled a
    slow statement answers 503 with a friendly page. Failures outside views
    (another middleware, a handler) reach handler500, which does the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not errors.is_database_unavailable(exception):
            return None
        logger.error("Database unavailable during %s %s", request.method, request.path, exc_info=exception)
        return errors.database_unavailable(request, exception)
