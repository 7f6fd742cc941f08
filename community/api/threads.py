"""
A discussion as JSON: the window of the tree a page shows, nested.

The window is `comment_tree.thread_window`, as on the pages: a comment whose
replies lie below the window's depth has a `continue_url`, a list of
replies cut off by size has `more` (how many, and the URL that shows them),
so every comment of a thread is reachable from its first page.

Trees are serialized by hand rather than field by field: a page holds up
to `WINDOW_SIZE` comments, and the fields below are what the schema
documents (a test keeps the two in step).
"""

from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..comment_tree import DEFAULT_SORT, CommentNode, ShownComment
from ..links import url_for
from .serializers import AuthorSerializer, PostSerializer, absolute, author_data


class MoreSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many more comments of this list there are.")
    url = serializers.URLField(help_text="Where they are shown.")


@extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/ThreadComment"}})
class RepliesField(serializers.ListField):
    """Nested ThreadComments (the schema refers to its own component)."""


class CommentSerializer(serializers.Serializer):
    """
    One comment. A deleted or removed comment that still has replies is a
    tombstone: its `state` says which, and its author, text, edit times and
    likes are null, as the page hides them.
    """

    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The comment with its context and replies.")
    html_url = serializers.URLField()
    post = serializers.IntegerField(help_text="The id of the post it belongs to.")
    post_url = serializers.URLField()
    parent = serializers.IntegerField(
        allow_null=True, help_text="The comment it replies to; null at the top."
    )
    state = serializers.ChoiceField(choices=["visible", "deleted", "removed"])
    author = AuthorSerializer(allow_null=True, help_text="Null for a tombstone or a deleted account.")
    content = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    moderator_edited_at = serializers.DateTimeField(
        allow_null=True, help_text="When a moderator last changed the text (shown as such on the page)."
    )
    like_count = serializers.IntegerField(allow_null=True)
    liked = serializers.BooleanField(allow_null=True)
    like_url = serializers.URLField(help_text="PUT likes it, DELETE unlikes it.")

    def to_representation(self, node: CommentNode):
        return comment_data(self.context["request"], node)


class ThreadCommentSerializer(CommentSerializer):
    """A comment as a thread shows it: its place in the tree and the replies shown below it."""

    depth = serializers.IntegerField(help_text="0 for a top-level comment.")
    reply_count = serializers.IntegerField(help_text="Comments still shown anywhere below this one.")
    replies = RepliesField(help_text="The replies shown on this page, each a ThreadComment.")
    continue_url = serializers.URLField(
        allow_null=True, help_text="Set when the replies lie below this page's depth: they continue there."
    )
    more = MoreSerializer(allow_null=True, help_text="Set when replies after those shown did not fit.")

    def to_representation(self, shown: ShownComment):
        return shown_data(self.context["request"], shown, sort=self.context.get("sort", DEFAULT_SORT))


class ThreadSerializer(serializers.Serializer):
    post = PostSerializer()
    comments = ThreadCommentSerializer(many=True)
    more = MoreSerializer(allow_null=True, help_text="Top-level comments after those shown.")


class PermalinkSerializer(serializers.Serializer):
    post = PostSerializer()
    ancestors = CommentSerializer(many=True, help_text="The comments above it, top first.")
    more_ancestors = serializers.IntegerField(help_text="How many more comments lie above those.")
    comment = ThreadCommentSerializer()


def comment_data(request, node: CommentNode) -> dict:
    shown = node.is_visible
    author = node.author_username if shown else None
    return {
        "id": node.id,
        "url": absolute(request, url_for("api:comment-detail", node.id)),
        "html_url": absolute(request, url_for("community:comment_detail", node.id)),
        "post": node.post_id,
        "post_url": absolute(request, url_for("api:post-detail", node.post_id)),
        "parent": node.parent_id,
        "state": node.state,
        "author": author_data(request, author) if author else None,
        "content": node.content if shown else None,
        "created_at": _time(node.created_at),
        "edited_at": _time(node.edited_at) if shown else None,
        "moderator_edited_at": _time(node.moderator_edited_at) if shown else None,
        "like_count": node.like_count if shown else None,
        "liked": node.liked if shown else None,
        "like_url": absolute(request, url_for("api:comment-like", node.id)),
    }


def shown_data(request, shown: ShownComment, *, sort: str = DEFAULT_SORT) -> dict:
    """A shown comment and, nested, the replies shown below it, walked without recursion."""
    root = _one(request, shown, sort)
    stack = [(shown, root)]
    while stack:
        parent, data = stack.pop()
        for child in parent.children:
            child_data = _one(request, child, sort)
            data["replies"].append(child_data)
            stack.append((child, child_data))
    return root


def thread_link(request, view_name: str, owner_id: int, *, after: int | None = None, sort: str) -> str:
    """A window's address: the list of `owner_id` after `after`, in `sort` order (kept unless the default)."""
    query = {"after": after, "sort": sort if sort != DEFAULT_SORT else None}
    query = urlencode({name: value for name, value in query.items() if value is not None})
    url = absolute(request, url_for(view_name, owner_id))
    return f"{url}?{query}" if query else url


def more_data(
    request, view_name: str, owner_id: int, *, count: int, after: int | None, sort: str
) -> dict | None:
    if not count:
        return None
    return {"count": count, "url": thread_link(request, view_name, owner_id, after=after, sort=sort)}


def _one(request, shown: ShownComment, sort: str) -> dict:
    node = shown.node
    data = comment_data(request, node)
    data["depth"] = node.depth
    data["reply_count"] = node.descendant_count
    data["replies"] = []
    data["continue_url"] = (
        thread_link(request, "api:comment-detail", node.id, sort=sort) if shown.continues else None
    )
    data["more"] = more_data(
        request, "api:comment-detail", node.id, count=shown.more_count, after=shown.more_after, sort=sort
    )
    return data


_DATETIME = serializers.DateTimeField()


def _time(value):
    return _DATETIME.to_representation(value) if value is not None else None
