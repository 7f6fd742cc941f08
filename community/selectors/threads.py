"""
Reads of a post's discussion: its comment rows, its tree, one new comment.
"""

from __future__ import annotations

from ..comment_tree import CommentNode, CommentTree, build_comment_tree, place_in_thread
from ..models import Comment, Post, like_annotations
from .visits import with_last_visit


def comment_rows(*, post_id: int, viewer=None):
    """
    Every comment of a post in reading order (`created_at`, then `id`), as
    dicts carrying the author's username, `like_count` and `liked` (by
    `viewer`). One query.
    """
    queryset = like_annotations(Comment.objects.filter(post_id=post_id), model=Comment, viewer=viewer)
    return queryset.order_by("created_at", "id").values(
        "id",
        "parent_id",
        "post_id",
        "author_id",
        "author__username",
        "content",
        "created_at",
        "edited_at",
        "moderator_edited_at",
        "state",
        "like_count",
        "liked",
    )


def comment_tree(*, post_id: int, viewer=None) -> CommentTree:
    """All comments of a post as a tree, from one query (see `build_comment_tree`)."""
    return build_comment_tree(comment_rows(post_id=post_id, viewer=viewer))


def new_comment_node(comment: Comment) -> CommentNode:
    """
    A comment its author has just written, as the tree would show it: its
    depth and its place among its siblings, read from the thread's
    `(id, parent_id, state)` rows in one query. A new comment has no likes
    and no replies yet, so nothing else needs reading.
    """
    rows = Comment.objects.filter(post_id=comment.post_id).order_by("created_at", "id")
    depth, position, sibling_count = place_in_thread(rows.values_list("id", "parent_id", "state"), comment.pk)
    return CommentNode(
        comment.pk,
        comment.parent_id,
        comment.post_id,
        comment.author_id,
        comment.author.username if comment.author_id else None,
        comment.content,
        comment.created_at,
        comment.edited_at,
        comment.state,
        0,
        False,
        depth=depth,
        position=position,
        sibling_count=sibling_count,
        moderator_edited_at=comment.moderator_edited_at,
    )


def post_with_counts(post_id, *, viewer=None, last_visit: bool = False) -> Post | None:
    """
    The post with `like_count`, `liked` (by `viewer`) and `comment_count`,
    and with the reader's visits too when asked (`visits.with_last_visit`);
    None when it is gone. One query.
    """
    posts = Post.objects.with_counts(viewer).filter(pk=post_id)
    if last_visit:
        posts = with_last_visit(posts, viewer=viewer)
    return posts.first()


def post_of_comment(comment_id, *, viewer=None, last_visit: bool = False) -> Post | None:
    """
    The post a comment belongs to, with its counts and, when asked, the
    reader's visits (as `post_with_counts`), in one query.
    """
    posts = Post.objects.with_counts(viewer).filter(comments__id=comment_id)
    if last_visit:
        posts = with_last_visit(posts, viewer=viewer)
    return posts.first()
