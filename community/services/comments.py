"""Writing, editing and deleting comments."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .. import rules
from ..models import Comment, Post
from . import NotFound, lock_author


@transaction.atomic
def comment_create(*, post: Post, author, content: str, parent: Comment | None = None) -> Comment:
    """
    A new comment on `post`, in reply to `parent` if given; or, when the
    author wrote the same text in the same place within
    `rules.RESUBMIT_WINDOW` (a double click, a form sent twice), that comment.
    """
    if parent is not None and (refusal := rules.reply_refusal(parent, post_id=post.pk)) is not None:
        raise ValidationError(refusal, code="parent")
    lock_author(author)
    same = (
        Comment.objects.filter(
            post=post,
            parent=parent,
            author=author,
            content=content,
            created_at__gte=timezone.now() - rules.RESUBMIT_WINDOW,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return same or Comment.objects.create(post=post, parent=parent, author=author, content=content)


@transaction.atomic
def comment_update(*, comment: Comment, user, content: str) -> Comment:
    if not comment.is_visible:
        raise NotFound("This comment was deleted.")
    if not rules.can_edit(user, comment):
        raise PermissionDenied("Only the author can edit this.")
    comment.content = content
    comment.edited_at = timezone.now()
    comment.save(update_fields=["content", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, user) -> None:
    """
    An author deletes their comment: it becomes a tombstone, its replies
    stay in place, and its likes stop counting toward karma at once.
    """
    if not rules.can_delete(user, comment):
        raise PermissionDenied("Only the author can delete this.")
    set_comment_state(Comment.objects.filter(pk=comment.pk), Comment.State.DELETED)


def set_comment_state(comments, state: str) -> int:
    """Mark `comments` deleted, removed or visible again, with the time of the change."""
    return comments.update(state=state, state_changed_at=timezone.now())
