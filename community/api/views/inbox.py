"""Replies to you: the inbox (`selectors.inbox`) and its read mark, for the signed-in person."""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ...links import url_for
from ...models import Comment
from ...selectors import inbox as inbox_selectors
from ...services import inbox as inbox_services
from ..errors import error_responses
from ..pagination import CURSOR_PATTERN, position_parameter
from ..serializers import AuthorSerializer, absolute, author_data
from .base import ApiView

CURSOR = OpenApiParameter(
    "cursor",
    {"type": "string", "pattern": CURSOR_PATTERN},
    description="Show the replies older than this position (from `next`).",
)

_DATETIME = serializers.DateTimeField()


class AnsweredSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The comment in the API.")
    html_url = serializers.URLField()
    state = serializers.ChoiceField(choices=["visible", "deleted", "removed"])


class ReplyPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The post in the API.")
    html_url = serializers.URLField()
    author = AuthorSerializer(help_text="The post's author.")


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The reply in the API, with its context.")
    html_url = serializers.URLField(help_text="The reply on the site.")
    author = AuthorSerializer(allow_null=True, help_text="Null for a deleted account.")
    content = serializers.CharField()
    created_at = serializers.DateTimeField()
    unread = serializers.BooleanField(help_text="Written after your read mark.")
    post = ReplyPostSerializer()
    in_reply_to = AnsweredSerializer(
        allow_null=True, help_text="The comment of yours it answers; null for a comment on your post."
    )


class InboxSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField(help_text="Replies to you written after your read mark.")
    next = serializers.URLField(allow_null=True, help_text="Older replies; null at the end.")
    results = ReplySerializer(many=True, help_text="Newest first.")


class InboxReadSerializer(serializers.Serializer):
    up_to = serializers.DateTimeField(
        required=False,
        help_text="Mark the replies written up to this time read (say, the newest you have shown); "
        "now when left out. The mark never moves back.",
    )


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()


def reply_data(request, reply: Comment) -> dict:
    def link(name, pk):
        return absolute(request, url_for(name, pk))

    parent = reply.parent
    return {
        "id": reply.id,
        "url": link("api:comment-detail", reply.id),
        "html_url": link("community:comment_detail", reply.id),
        "author": author_data(request, reply.author.username) if reply.author else None,
        "content": reply.content,
        "created_at": _DATETIME.to_representation(reply.created_at),
        "unread": reply.unread,
        "post": {
            "id": reply.post_id,
            "url": link("api:post-detail", reply.post_id),
            "html_url": link("community:post_detail", reply.post_id),
            "author": author_data(request, reply.post.author.username),
        },
        "in_reply_to": None
        if parent is None
        else {
            "id": parent.id,
            "url": link("api:comment-detail", parent.id),
            "html_url": link("community:comment_detail", parent.id),
            "state": parent.state,
        },
    }


class InboxView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inbox_list",
        summary="Replies to you",
        description="Replies to your comments and comments on your posts, by other people, newest first, "
        "25 a page, each marked `unread` when written after your read mark. Reading this list does not "
        "move the mark (the site's inbox page does): POST /api/v1/inbox/read/ does.",
        parameters=[CURSOR],
        responses={200: InboxSerializer, **error_responses(400, 403)},
        tags=["inbox"],
    )
    def get(self, request):
        message = "Not a position in the inbox: use the `next` link."
        cursor = position_parameter(request, "cursor", message=message)
        replies, next_cursor = inbox_selectors.inbox_page(user=request.user, cursor=cursor)
        next_url = None
        if next_cursor is not None:
            next_url = absolute(request, f"{url_for('api:inbox')}?{urlencode({'cursor': next_cursor})}")
        return Response(
            {
                "unread_count": inbox_selectors.unread_count(request.user),
                "next": next_url,
                "results": [reply_data(request, reply) for reply in replies],
            }
        )


class InboxReadView(ApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="inbox_read",
        summary="Mark replies read",
        description="Moves your read mark forward to `up_to` (now when left out) and answers the unread "
        "count that remains.",
        request=InboxReadSerializer,
        responses={200: UnreadCountSerializer, **error_responses(400, 403)},
        tags=["inbox"],
    )
    def post(self, request):
        data = InboxReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inbox_services.inbox_mark_read(user=request.user, up_to=data.validated_data.get("up_to"))
        return Response({"unread_count": inbox_selectors.unread_count(request.user)})
