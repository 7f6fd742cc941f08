"""What every API view shares."""

from __future__ import annotations

from django.urls import Resolver404, resolve
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ...links import url_for
from ..permissions import WriteLimit, throttled
from ..serializers import absolute


class ApiView(APIView):
    """
    An API view: session authentication with CSRF, anyone reads, signed-in
    people write (settings.REST_FRAMEWORK), and the site's write limits for
    the methods named in `write_limits` ({"POST": "post"}).
    """

    write_limits: dict[str, str] = {}

    def check_throttles(self, request):
        for throttle in self.get_throttles():
            if not throttle.allow_request(request, self):
                raise throttled(throttle)

    def get_throttles(self):
        return [WriteLimit()] if self.write_limits else []


class ApiRootView(ApiView):
    """Where everything is: a start for the browsable API and for clients."""

    @extend_schema(exclude=True)
    def get(self, request):
        def link(name):
            return absolute(request, url_for(name))

        return Response(
            {
                "posts": link("api:post-list"),
                "leaderboard": link("api:leaderboard"),
                "session": link("api:session"),
                "schema": link("api:schema"),
                "docs": link("api:docs"),
            }
        )


class NotFoundView(APIView):
    """Every other address under /api/: a JSON 404, whatever the method."""

    permission_classes = [AllowAny]
    authentication_classes = []
    # No handlers: every method, TRACE and made-up ones too, comes to
    # `http_method_not_allowed`, which answers 404.
    http_method_names = []

    @property
    def default_response_headers(self):
        # No `Allow`: nothing is allowed at an address that does not exist.
        return {key: value for key, value in super().default_response_headers.items() if key != "Allow"}

    def http_method_not_allowed(self, request, *args, **kwargs):
        message = "There is nothing at this address."
        path = request.path_info
        if not path.endswith("/"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                match = None
            if match is not None and getattr(match.func, "cls", None) is not NotFoundView:
                message = f"There is nothing at this address. Did you mean {request.path}/ (with a slash)?"
        raise exceptions.NotFound(message)
