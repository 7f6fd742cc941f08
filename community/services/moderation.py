"""What moderators do to content: remove, restore and purge comments."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from ..models import Comment, Like
from .comments import set_comment_state


def comments_remove(*, comments) -> int:
    """Moderators remove comments: tombstones reading "[removed by a moderator]"."""
    return set_comment_state(comments.filter(state=Comment.State.VISIBLE), Comment.State.REMOVED)


def comments_restore(*, comments) -> int:
    """Moderators restore removed comments; their likes count again."""
    return set_comment_state(comments.filter(state=Comment.State.REMOVED), Comment.State.VISIBLE)


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
