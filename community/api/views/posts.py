"""The feed, a post, and a post's discussion."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from ...comment_tree import DEFAULT_SORT, SORTS, CommentNode, sort_tree, thread_window
from ...forms import CommentForm
from ...models import MAX_ID, Comment, Post
from ...selectors import threads
from ...selectors.likes import like_state
from ...services import comments as comment_services
from ...services import posts as post_services
from .. import pagination
from ..errors import error_responses
from ..permissions import AuthorMayChange
from ..serializers import (
    CommentWriteSerializer,
    ContentEditSerializer,
    FeedPageSerializer,
    PostSerializer,
    PostWriteSerializer,
)
from ..threads import CommentSerializer, ThreadCommentSerializer, ThreadSerializer, more_data
from .base import ApiView, whole_number_parameter

AFTER = OpenApiParameter(
    "after",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    description="Show the comments of this list after the one with this id (from a `more` link).",
)


SORT = OpenApiParameter(
    "sort",
    str,
    enum=list(SORTS),
    description="The order of every list of replies: oldest first (the default), newest first, or most "
    "liked first. The `more` and `continue_url` links keep it.",
)


def sort_parameter(request) -> str:
    """The `sort` query parameter, the default when absent; 400 for an order there is not."""
    value = request.query_params.get("sort")
    if value is None:
        return DEFAULT_SORT
    if value not in SORTS:
        raise exceptions.ValidationError({"sort": [f"Sort by one of: {', '.join(SORTS)}."]})
    return value


def after_parameter(request) -> int | None:
    """The `after` query parameter: a comment id, or None when absent; 400 when it is not one."""
    return whole_number_parameter(
        request, "after", maximum=MAX_ID, message="Not a comment id: use the `more` link."
    )


def post_or_404(post_id: int, viewer) -> Post:
    post = threads.post_with_counts(post_id, viewer=viewer)
    if post is None:
        raise Http404("This post does not exist, or it was deleted.")
    return post


class PostListView(ApiView):
    write_limits = {"POST": "post"}

    @extend_schema(
        operation_id="posts_list",
        summary="The feed",
        description="Posts newest first, a page at a time; follow `next` for older posts.",
        parameters=pagination.PARAMETERS,
        responses={200: FeedPageSerializer, **error_responses(400)},
        tags=["posts"],
    )
    def get(self, request):
        page = pagination.feed_page(request)
        context = {"request": request}
        page["results"] = PostSerializer(page["results"], many=True, context=context).data
        return Response(page)

    @extend_schema(
        operation_id="posts_create",
        summary="Write a post",
        description="The same text sent again within a few seconds (a retried or doubled request) "
        "answers with the post the first one made, as on the site: one post, not two.",
        request=PostWriteSerializer,
        responses={201: PostSerializer, **error_responses(400, 403, 429)},
        tags=["posts"],
    )
    def post(self, request):
        serializer = PostWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = post_services.post_create(author=request.user, content=serializer.validated_data["content"])
        return _created(
            PostSerializer(post_or_404(created.pk, request.user), context={"request": request}).data
        )


class PostDetailView(ApiView):
    # The site's limit on edits ("edit"), where settings set one.
    write_limits = {"PATCH": "edit"}
    permission_classes = [*ApiView.permission_classes, AuthorMayChange]

    @extend_schema(
        operation_id="posts_retrieve",
        summary="A post",
        responses={200: PostSerializer, **error_responses(404)},
        tags=["posts"],
    )
    def get(self, request, post_id):
        post = post_or_404(post_id, request.user)
        return Response(PostSerializer(post, context={"request": request}).data)

    @extend_schema(
        operation_id="posts_update",
        summary="Edit a post (its author)",
        request=ContentEditSerializer,
        responses={200: PostSerializer, **error_responses(400, 403, 404)},
        tags=["posts"],
    )
    def patch(self, request, post_id):
        post = self._own_post(request, post_id)
        serializer = ContentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post_services.post_update(post=post, user=request.user, content=serializer.validated_data["content"])
        return Response(PostSerializer(post_or_404(post_id, request.user), context={"request": request}).data)

    @extend_schema(
        operation_id="posts_destroy",
        summary="Delete a post (its author), with its discussion",
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(403, 404)},
        tags=["posts"],
    )
    def delete(self, request, post_id):
        post_services.post_delete(post=self._own_post(request, post_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _own_post(self, request, post_id) -> Post:
        post = Post.objects.filter(pk=post_id).first()
        if post is None:
            raise Http404("This post does not exist, or it was deleted.")
        self.check_object_permissions(request, post)
        return post


class PostCommentsView(ApiView):
    write_limits = {"POST": "comment"}

    @extend_schema(
        operation_id="posts_comments_list",
        summary="A post's discussion",
        description="The post and its comments as a tree, a window at a time as on the post's page: "
        "replies below the window's depth are behind `continue_url`, and lists cut off by size end "
        "with `more`. Deleted comments with replies stay as tombstones.",
        parameters=[AFTER, SORT],
        responses={200: ThreadSerializer, **error_responses(400, 404)},
        tags=["comments"],
    )
    def get(self, request, post_id):
        after, sort = after_parameter(request), sort_parameter(request)
        post = post_or_404(post_id, request.user)
        tree = sort_tree(threads.comment_tree(post_id=post.pk, viewer=request.user), sort)
        window = thread_window(tree.roots, after=after)
        context = {"request": request, "sort": sort}
        return Response(
            {
                "post": PostSerializer(post, context=context).data,
                "comments": ThreadCommentSerializer(window.comments, many=True, context=context).data,
                "more": more_data(
                    request,
                    "api:post-comments",
                    post.pk,
                    count=window.more_count,
                    after=window.more_after,
                    sort=sort,
                ),
            }
        )

    @extend_schema(
        operation_id="posts_comments_create",
        summary="Comment on a post, or reply to a comment",
        description="The same text sent again to the same place within a few seconds answers with the "
        "comment the first one made, as on the site.",
        request=CommentWriteSerializer,
        responses={201: CommentSerializer, **error_responses(400, 403, 404, 429)},
        tags=["comments"],
    )
    def post(self, request, post_id):
        post = Post.objects.filter(pk=post_id).first()
        if post is None:
            raise Http404("This post does not exist, or it was deleted.")
        serializer = CommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # The page's form resolves and checks the parent: one rule for both.
        form = CommentForm({"content": data["content"], "parent": data.get("parent") or ""}, post=post)
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form))
        try:
            comment = comment_services.comment_create(
                post=post,
                author=request.user,
                content=form.cleaned_data["content"],
                parent=form.cleaned_data["parent"],
            )
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"parent": exc.messages}) from exc
        # A resubmission answers with the comment written first, which may have likes by now.
        likes = like_state(model=Comment, target_id=comment.pk, viewer=request.user)
        node = node_of(
            comment, username=request.user.get_username(), like_count=likes.like_count, liked=likes.liked
        )
        return _created(CommentSerializer(node, context={"request": request}).data)


def _created(body: dict) -> Response:
    return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors by field, its form-wide ones as DRF's `non_field_errors`."""
    return {
        ("non_field_errors" if field == "__all__" else field): list(messages)
        for field, messages in form.errors.items()
    }


def node_of(comment, *, username, like_count: int, liked: bool) -> CommentNode:
    """A saved comment as the tree's node type, for `CommentSerializer`."""
    return CommentNode(
        comment.pk,
        comment.parent_id,
        comment.post_id,
        comment.author_id,
        username,
        comment.content,
        comment.created_at,
        comment.edited_at,
        comment.state,
        like_count,
        liked,
        moderator_edited_at=comment.moderator_edited_at,
    )
