"""Likes: one per person and target, never on one's own content."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction

from .. import rules
from ..models import Comment, Like
from . import NotFound


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
    if not rules.can_like(user, target):
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
