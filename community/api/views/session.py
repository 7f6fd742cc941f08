"""
Signing in and out with the site's session cookie.

Log-in goes through `django.contrib.auth.authenticate` with the request, so
django-axes counts the failures and refuses a locked-out username or
address before any password is hashed, as on the log-in page; the API
answers its lockout with a JSON 429 instead of the page.
"""

from __future__ import annotations

import math

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.middleware.csrf import get_token
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ...ratelimit import lockout_ends
from ..errors import InvalidLogin, LoginLockedOut, error_responses
from ..permissions import SessionAuthentication
from ..serializers import LoginSerializer, SessionSerializer, author_data
from .base import ApiView

INVALID_LOGIN = AuthenticationForm.error_messages["invalid_login"] % {"username": "username"}


def _session(request) -> dict:
    user = request.user
    return {
        "user": author_data(request, user.get_username()) if user.is_authenticated else None,
        # Also sets the csrftoken cookie, which the header must repeat.
        "csrf_token": get_token(request._request),
    }


class SessionView(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="session_retrieve",
        summary="Who is signed in",
        responses={200: SessionSerializer},
        tags=["session"],
    )
    def get(self, request):
        return Response(_session(request))

    @extend_schema(
        operation_id="session_create",
        summary="Sign in",
        description="Starts a session (the `sessionid` cookie) and gives a new CSRF token. Needs the "
        "csrftoken cookie and the X-CSRFToken header, like every unsafe method: GET this address first. "
        "After too many failures for a username or from an address, refuses with 429 and Retry-After.",
        request=LoginSerializer,
        responses={200: SessionSerializer, **error_responses(400, 403, 429)},
        tags=["session"],
    )
    def post(self, request):
        # DRF checks CSRF only for signed-in sessions; a log-in form is
        # protected too, so nobody can sign a visitor in as someone else.
        SessionAuthentication().enforce_csrf(request)
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        credentials = serializer.validated_data
        django_request = request._request
        user = authenticate(
            django_request, username=credentials["username"], password=credentials["password"]
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answered here in the API's shape: the flag would otherwise make
            # AxesMiddleware replace this answer with the HTML lockout page.
            django_request.axes_locked_out = False
            ends = lockout_ends(django_request, {"username": credentials["username"]})
            seconds = max(1, math.ceil((ends - timezone.now()).total_seconds()))
            minutes = math.ceil(seconds / 60)
            raise LoginLockedOut(
                wait=seconds,
                detail=f"Too many failed log-in attempts. Try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}.",
            )
        if user is None:
            raise InvalidLogin(INVALID_LOGIN)
        login(django_request, user)
        # DRF keeps the user it authenticated the request as (nobody).
        request.user = user
        return Response(_session(request))

    @extend_schema(
        operation_id="session_destroy",
        summary="Sign out",
        description="Ends the session. Signed out already, it does nothing.",
        responses={204: OpenApiResponse(description="Signed out."), **error_responses(403)},
        tags=["session"],
    )
    def delete(self, request):
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
