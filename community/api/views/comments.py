"""A comment's permalink, and its author's edits and deletion."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from ...comment_tree import ShownComment, ancestors, sort_tree, thread_window
from ...models import Comment
from ...selectors import threads
from ...selectors.likes import like_state
from ...services import comments as comment_services
from ..errors import error_responses
from ..permissions import AuthorMayChange
from ..serializers import ContentEditSerializer, PostSerializer
from ..threads import CommentSerializer, PermalinkSerializer, ThreadCommentSerializer
from .base import ApiView
from .posts import AFTER, SORT, after_parameter, node_of, sort_parameter


class CommentDetailView(ApiView):
    # The site's limit on edits ("edit"), where settings set one.
    write_limits = {"PATCH": "edit"}
    permission_classes = [*ApiView.permission_classes, AuthorMayChange]

    @extend_schema(
        operation_id="comments_retrieve",
        summary="A comment with its context and replies",
        description="The comment's post, the comments above it, and the comment with a window of its "
        "replies (as in a post's discussion). `?after=` continues a list of replies from its `more` link.",
        parameters=[AFTER, SORT],
        responses={200: PermalinkSerializer, **error_responses(400, 404)},
        tags=["comments"],
    )
    def get(self, request, comment_id):
        after, sort = after_parameter(request), sort_parameter(request)
        # The post (with its counts) through the comment: one query.
        post = threads.post_of_comment(comment_id, viewer=request.user)
        if post is None:
            raise Http404("This comment does not exist.")
        tree = sort_tree(threads.comment_tree(post_id=post.pk, viewer=request.user), sort)
        node = tree.by_id.get(comment_id)
        if node is None:
            # Deleted with nothing below it: nothing left to show.
            raise Http404("This comment was deleted.")
        window = thread_window(node.replies, after=after)
        focus = ShownComment(
            node=node, children=window.comments, more_count=window.more_count, more_after=window.more_after
        )
        shown_ancestors, more_ancestors = ancestors(tree, node)
        context = {"request": request, "sort": sort}
        return Response(
            {
                "post": PostSerializer(post, context=context).data,
                "ancestors": CommentSerializer(shown_ancestors, many=True, context=context).data,
                "more_ancestors": more_ancestors,
                "comment": ThreadCommentSerializer(focus, context=context).data,
            }
        )

    @extend_schema(
        operation_id="comments_update",
        summary="Edit a comment (its author)",
        request=ContentEditSerializer,
        responses={200: CommentSerializer, **error_responses(400, 403, 404)},
        tags=["comments"],
    )
    def patch(self, request, comment_id):
        comment = self._live_comment(request, comment_id)
        serializer = ContentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment_services.comment_update(
            comment=comment, user=request.user, content=serializer.validated_data["content"]
        )
        likes = like_state(model=Comment, target_id=comment.pk, viewer=request.user)
        node = node_of(
            comment, username=request.user.get_username(), like_count=likes.like_count, liked=likes.liked
        )
        return Response(CommentSerializer(node, context={"request": request}).data)

    @extend_schema(
        operation_id="comments_destroy",
        summary="Delete a comment (its author)",
        description="The comment becomes a tombstone: its replies keep their place, and its likes stop "
        "counting toward karma at once.",
        responses={204: OpenApiResponse(description="Deleted."), **error_responses(403, 404)},
        tags=["comments"],
    )
    def delete(self, request, comment_id):
        comment_services.comment_delete(comment=self._live_comment(request, comment_id), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _live_comment(self, request, comment_id) -> Comment:
        """The comment, 404 when it is gone or already a tombstone, 403 when not the reader's own."""
        comment = Comment.objects.filter(pk=comment_id).first()
        if comment is None or not comment.is_visible:
            raise Http404("This comment does not exist, or it was deleted.")
        self.check_object_permissions(request, comment)
        return comment
