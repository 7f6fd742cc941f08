"""Writing, editing and deleting posts."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .. import rules
from ..models import Comment, Like, Post
from . import lock_author


@transaction.atomic
def post_create(*, author, content: str) -> Post:
    """
    A new post; or, when the author posted the same text within
    `rules.RESUBMIT_WINDOW` (a double click, a form sent twice), that post.
    """
    lock_author(author)
    same = (
        Post.objects.filter(
            author=author, content=content, created_at__gte=timezone.now() - rules.RESUBMIT_WINDOW
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return same or Post.objects.create(author=author, content=content)


@transaction.atomic
def post_update(*, post: Post, user, content: str) -> Post:
    if not rules.can_edit(user, post):
        raise PermissionDenied("Only the author can edit this.")
    post.content = content
    post.edited_at = timezone.now()
    post.save(update_fields=["content", "edited_at"])
    return post


@transaction.atomic
def post_delete(*, post: Post, user=None) -> None:
    """
    Delete a post with its comments and all their likes, in one transaction.

    `user` is checked to be the author; moderators and other internal
    callers pass `user=None`. The post row is locked first so a like being
    written at the same moment either commits before (and is deleted here)
    or finds the post gone.
    """
    if user is not None and not rules.can_delete(user, post):
        raise PermissionDenied("Only the author can delete this.")
    Post.objects.select_for_update().filter(pk=post.pk).exists()
    comment_ids = Comment.objects.filter(post=post).values("id")
    Like.objects.filter(
        target_type=ContentType.objects.get_for_model(Comment), target_id__in=comment_ids
    ).delete()
    # Comment.parent is DO_NOTHING, so this deletes every comment of the
    # post in one statement instead of recursing down reply chains.
    Comment.objects.filter(post=post).delete()
    post.delete()
