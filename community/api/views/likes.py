"""
Liking and unliking: PUT likes, DELETE unlikes, each idempotent.

The same service as the like buttons (`services.likes`): a second like or a
racing one is absorbed by the unique constraint, never an error. The answer
is the count as stored afterwards, whatever other requests did meanwhile.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from ...models import Comment, Post
from ...selectors.likes import like_state
from ...services import NotFound
from ...services import likes as like_services
from ..errors import error_responses
from ..serializers import LikeStateSerializer
from .base import ApiView


class LikeView(ApiView):
    """The like of one post or comment (`model`) by the signed-in reader."""

    model: type[Post] | type[Comment] = Post
    write_limits = {"PUT": "like", "DELETE": "like"}

    def _write(self, request, target_id: int, write):
        try:
            write(user=request.user, model=self.model, target_id=target_id)
            state = like_state(model=self.model, target_id=target_id, viewer=request.user)
        except (NotFound, ObjectDoesNotExist) as exc:
            # Gone before the write, or deleted between the write and the read.
            raise Http404(f"This {self.model._meta.verbose_name} does not exist, or it was deleted.") from exc
        return Response({"like_count": state.like_count, "liked": state.liked})

    def put(self, request, target_id):
        return self._write(request, target_id, like_services.like_add)

    def delete(self, request, target_id):
        return self._write(request, target_id, like_services.like_remove)


def _like_schema(kind: str):
    return extend_schema(
        operation_id=f"{kind}s_like",
        summary=f"Like a {kind}",
        description=f"Idempotent: liking a liked {kind} leaves one like. Your own {kind}s cannot be liked "
        "(403).",
        request=None,
        responses={200: LikeStateSerializer, **error_responses(403, 404, 429)},
        tags=["likes"],
    )


def _unlike_schema(kind: str):
    return extend_schema(
        operation_id=f"{kind}s_unlike",
        summary=f"Unlike a {kind}",
        description=f"Idempotent: unliking a {kind} you do not like changes nothing.",
        request=None,
        responses={200: LikeStateSerializer, **error_responses(403, 404, 429)},
        tags=["likes"],
    )


class PostLikeView(LikeView):
    model = Post

    @_like_schema("post")
    def put(self, request, target_id):
        return super().put(request, target_id)

    @_unlike_schema("post")
    def delete(self, request, target_id):
        return super().delete(request, target_id)


class CommentLikeView(LikeView):
    model = Comment

    @_like_schema("comment")
    def put(self, request, target_id):
        return super().put(request, target_id)

    @_unlike_schema("comment")
    def delete(self, request, target_id):
        return super().delete(request, target_id)
