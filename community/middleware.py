"""
Middleware that keeps bad input, a missing database and foreign scripts out.

- `ContentSecurityPolicyMiddleware` sends the policy in settings.CONTENT_SECURITY_POLICY
  (Django 5.2 has no CSP support of its own).
- `RequestValidationMiddleware` refuses bodies over the size limit with a
  413 the client can read, text that is not UTF-8 (or a form declared in
  another charset) and NUL characters in the address with a 400 before any
  view or form sees them, and gives the empty 405 answers of `require_POST`
  and friends a message.
- `VaryOnHtmxMiddleware` tells caches that a page and its htmx fragment,
  which share a URL, are different answers.
- `DatabaseUnavailableMiddleware` turns "database down" and "statement timed
  out" into the friendly 503 page instead of a 500.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_vary_headers

from . import errors

logger = logging.getLogger(__name__)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MULTIPART_CONTENT_TYPE = "multipart/form-data"
# A body over the limit is read and thrown away up to this many bytes before
# the 413 goes out: a client still sending when the server closes the
# connection gets a reset instead of the answer. Past it, the connection is
# closed unread (gunicorn's sync workers close every connection anyway).
DISCARD_AT_MOST = 16 * 1024 * 1024
DISCARD_CHUNK = 64 * 1024


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
        if (too_large := self.too_large(request)) is not None:
            return too_large
        query = _decode_form_data(_raw_query_string(request))
        if query is None:
            return errors.bad_input(request, "The address is not valid UTF-8 text.")
        if "\x00" in request.path or "\x00" in query:
            return errors.bad_input(request, "The address contains a NUL character, which is never valid.")
        if request.content_type in (FORM_CONTENT_TYPE, MULTIPART_CONTENT_TYPE):
            # Multipart bodies too: the site takes no files, so a form's body
            # is text whichever way it is encoded, and one rule covers both.
            try:
                # Past DATA_UPLOAD_MAX_MEMORY_SIZE this raises RequestDataTooBig,
                # which handler400 answers with 413.
                body = request.body
            except UnreadablePostError:
                return errors.bad_input(request, "The request body could not be read.")
            text = _decode_form_data(body) if request.content_type == FORM_CONTENT_TYPE else _utf8(body)
            # Django decodes the fields in the charset the request declares:
            # UTF-7 makes lone surrogates (which the database refuses) of
            # valid UTF-8 bytes, and a url-encoded body in any charset but
            # UTF-8 makes request.POST raise BadRequest at every read, in the
            # 400 handler too, which then fails with a 500. Browsers send
            # UTF-8, without a charset.
            charset = request.content_params.get("charset", "utf-8")
            if text is None or charset.lower() != "utf-8":
                return errors.bad_input(
                    request, "The form data is not valid UTF-8 text, so it was not saved. Please try again."
                )
            try:
                # Parsed here rather than where a view first reads a field: a
                # multipart body Django cannot parse (no boundary, a negative
                # length) would otherwise be refused only then, which may be
                # after the view has written.
                request.POST  # noqa: B018
            except MultiPartParserError:
                return errors.bad_input(request, "The form data could not be read, so it was not saved.")
        return None

    @staticmethod
    def too_large(request):
        """
        413 for a body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE,
        whatever its content type (Django's own check covers form fields,
        not multipart file parts). The body is read and dropped first, up to
        DISCARD_AT_MOST bytes, so the client finishes sending and reads the
        answer.
        """
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return errors.bad_input(request, "The request's Content-Length is not a number.")
        if limit is None or length <= limit:
            return None
        remaining = min(length, DISCARD_AT_MOST)
        try:
            while remaining > 0 and (chunk := request.read(min(DISCARD_CHUNK, remaining))):
                remaining -= len(chunk)
        except (OSError, UnreadablePostError):
            pass
        return errors.request_too_large(request)


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


class VaryOnHtmxMiddleware:
    """
    Add `Vary: HX-Request` to every answer: pages and their htmx fragments
    share URLs, and a shared cache must never hand one out for the other.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


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
