"""
Writes with rules: creating, editing and deleting posts and comments, likes.

Each function is keyword-only, runs in one transaction and raises
`PermissionDenied` or `ValidationError` with a message fit for the person
who asked.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Comment, Like, Post


class NotFound(Exception):
    """The target of a write is gone (deleted post, hidden comment)."""


def _require_author(obj, user, action: str) -> None:
    if not user.is_authenticated or obj.author_id != user.pk:
        raise PermissionDenied(f"Only the author can {action} this.")


# --- Posts ------------------------------------------------------------------


def post_create(*, author, content: str) -> Post:
    return Post.objects.create(author=author, content=content)


@transaction.atomic
def post_update(*, post: Post, user, content: str) -> Post:
    _require_author(post, user, "edit")
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
    if user is not None:
        _require_author(post, user, "delete")
    Post.objects.select_for_update().filter(pk=post.pk).exists()
    comment_ids = Comment.objects.filter(post=post).values("id")
    Like.objects.filter(
        target_type=ContentType.objects.get_for_model(Comment), target_id__in=comment_ids
    ).delete()
    # Comment.parent is DO_NOTHING, so this deletes every comment of the
    # post in one statement instead of recursing down reply chains.
    Comment.objects.filter(post=post).delete()
    post.delete()


# --- Comments ---------------------------------------------------------------


@transaction.atomic
def comment_create(*, post: Post, author, content: str, parent: Comment | None = None) -> Comment:
    if parent is not None:
        if parent.post_id != post.pk:
            raise ValidationError("You can only reply to a comment of the same post.", code="parent")
        if not parent.is_visible:
            raise ValidationError("That comment was deleted, so it can't take new replies.", code="parent")
    return Comment.objects.create(post=post, parent=parent, author=author, content=content)


@transaction.atomic
def comment_update(*, comment: Comment, user, content: str) -> Comment:
    _require_author(comment, user, "edit")
    if not comment.is_visible:
        raise NotFound("This comment was deleted.")
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
    _require_author(comment, user, "delete")
    _set_comment_state(Comment.objects.filter(pk=comment.pk), Comment.State.DELETED)


def comments_remove(*, comments) -> int:
    """Moderators remove comments: tombstones reading "[removed by a moderator]"."""
    return _set_comment_state(comments.filter(state=Comment.State.VISIBLE), Comment.State.REMOVED)


def comments_restore(*, comments) -> int:
    """Moderators restore removed comments; their likes count again."""
    return _set_comment_state(comments.filter(state=Comment.State.REMOVED), Comment.State.VISIBLE)


def _set_comment_state(comments, state: str) -> int:
    return comments.update(state=state, state_changed_at=timezone.now())


@transaction.atomic
def comments_purge(*, comments) -> int:
    """
    Delete comments for good, with every reply below them and all their
    likes. Subtrees are found in memory from one query per post, so reply
    chains of any depth are deleted without recursion.
    """
    selected = list(comments.values_list("id", "post_id"))
    if not selected:
        return 0
    children = defaultdict(list)
    rows = Comment.objects.filter(post_id__in={post_id for _, post_id in selected}).values_list(
        "id", "parent_id"
    )
    for comment_id, parent_id in rows:
        children[parent_id].append(comment_id)
    doomed: set[int] = set()
    stack = [comment_id for comment_id, _ in selected]
    while stack:
        comment_id = stack.pop()
        if comment_id not in doomed:
            doomed.add(comment_id)
            stack.extend(children[comment_id])
    Like.objects.filter(target_type=ContentType.objects.get_for_model(Comment), target_id__in=doomed).delete()
    Comment.objects.filter(id__in=doomed).delete()
    return len(doomed)


# --- Likes ------------------------------------------------------------------


def _locked_target(model, target_id: int):
    """The like target, locked against a concurrent delete; NotFound when it is gone or hidden."""
    queryset = model.objects.select_for_update()
    if model is Comment:
        queryset = queryset.filter(state=Comment.State.VISIBLE)
    target = next(iter(queryset.filter(pk=target_id).only("id", "author_id").order_by()), None)
    if target is None or target.author_id is None:
        raise NotFound(f"This {model._meta.verbose_name} is gone.")
    return target


@transaction.atomic
def like_add(*, user, model, target_id: int) -> None:
    """
    `user` likes a post or comment. Idempotent: liking twice leaves one
    like. Under concurrent requests the unique constraint decides and the
    conflict is ignored (INSERT ... ON CONFLICT DO NOTHING), as if the first
    request had won. Raises `PermissionDenied` for one's own content and
    `NotFound` when the target is gone.
    """
    target = _locked_target(model, target_id)
    if target.author_id == user.pk:
        raise PermissionDenied("You can't like your own posts or comments.")
    Like.objects.bulk_create(
        [
            Like(
                user=user,
                target_type=ContentType.objects.get_for_model(model),
                target_id=target.pk,
                receiver_id=target.author_id,
            )
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def like_remove(*, user, model, target_id: int) -> None:
    """`user` takes back a like. Idempotent: unliking what is not liked does nothing."""
    target = _locked_target(model, target_id)
    Like.objects.filter(
        user=user, target_type=ContentType.objects.get_for_model(model), target_id=target.pk
    ).delete()
