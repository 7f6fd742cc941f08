"""What every API view shares."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from ...links import url_for
from ..errors import error_body
from ..permissions import WriteLimit, throttled
from ..serializers import absolute


def whole_number_parameter(request, name: str, *, maximum: int, message: str) -> int | None:
    """The query parameter `name`, a whole number from 1 to `maximum`; None when absent, 400 otherwise."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:
        raise exceptions.ValidationError({name: [message]})
    return int(value)


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
                "search": link("api:search"),
                "inbox": link("api:inbox"),
                "session": link("api:session"),
                "schema": link("api:schema"),
                "docs": link("api:docs"),
            }
        )


@csrf_exempt
def not_found(request, *args, **kwargs):
    """
    Every other address under /api/, whatever the method: a JSON 404 in the
    API's error shape. A plain view, not a DRF one, so it advertises no
    methods and the browsable API's breadcrumbs skip it.
    """
    message = "There is nothing at this address."
    path = request.path_info
    if not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            message = f"There is nothing at this address. Did you mean {request.path}/ (with a slash)?"
    return JsonResponse(error_body(404, "not_found", message), status=404)
