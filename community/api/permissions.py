"""
Who may call what: the site's session, its CSRF check, its rules and its
write limits, as DRF authentication, permission and throttle classes.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling

from .. import rules
from ..ratelimit import REFUSALS, hit
from .errors import TooManyRequests


class SessionAuthentication(authentication.SessionAuthentication):
    """
    The site's session cookie. Unsafe methods of a signed-in session need
    the CSRF token in `X-CSRFToken`, as the site's forms do; a refusal says
    so with the code `csrf_failed`.
    """

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                f"{exc.detail} Send the csrftoken cookie's value in the X-CSRFToken header.",
                code="csrf_failed",
            ) from exc


class SessionScheme(OpenApiAuthenticationExtension):
    """How the schema documents `SessionAuthentication`: the session cookie."""

    target_class = SessionAuthentication
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "Sign in with POST /api/v1/session/; unsafe methods also need the X-CSRFToken "
            "header with the csrftoken cookie's value.",
        }


class AuthorMayChange(permissions.BasePermission):
    """Anyone reads; only the author edits or deletes, and only what is still shown (`rules`)."""

    message = "Only the author can change this."

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return rules.can_delete(request.user, obj)
        return rules.can_edit(request.user, obj)


class WriteLimit(throttling.BaseThrottle):
    """
    The site's write limits (`ratelimit.hit`, settings.COMMUNITY_RATE_LIMITS)
    for the methods a view names in `write_limits`, e.g. {"POST": "post"}:
    the same counters as the pages, so writes through either count
    together.
    """

    def allow_request(self, request, view):
        scope = getattr(view, "write_limits", {}).get(request.method)
        if scope is None or not request.user.is_authenticated:
            return True
        self.scope = scope
        self.seconds = hit(scope, request.user.pk)
        return self.seconds is None

    def wait(self):
        return self.seconds


def throttled(throttle: WriteLimit) -> TooManyRequests:
    """The 429 a refused write gets, in the site's words."""
    return TooManyRequests(
        f"{REFUSALS.get(throttle.scope, 'Too many requests.')} "
        f"Please wait {throttle.seconds} seconds and try again.",
        wait=throttle.seconds,
    )
