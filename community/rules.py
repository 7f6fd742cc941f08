"""
Who may do what: one predicate per permission or content rule.

Views, services and templates all ask these, so a rule is written once.
`item` is a post, a comment or a comment of a thread (`CommentNode`): all
have `author_id`, and comments `is_visible`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import timedelta

# The same text sent again to the same place within this time is the same
# post or comment (a double click, a form sent twice), not a new one.
RESUBMIT_WINDOW = timedelta(seconds=10)

# Characters that draw nothing but are not in a blank Unicode category
# (Braille blank, Hangul fillers): text made only of these is empty too.
_BLANK_LOOKING = frozenset("\u2800\u3164\u115f\u1160\uffa0\u180e")
# Control, format (zero-width, bidi marks), unassigned and separator categories.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp"})


def _is_live(item) -> bool:
    """Posts are deleted outright; a comment lives until it is deleted or removed."""
    return getattr(item, "is_visible", True)


def is_author(user, item) -> bool:
    return user.is_authenticated and item.author_id is not None and item.author_id == user.pk


def can_edit(user, item) -> bool:
    """Only the author edits, and only what is still shown."""
    return is_author(user, item) and _is_live(item)


def can_delete(user, item) -> bool:
    """Only the author deletes, and only what is still shown."""
    return is_author(user, item) and _is_live(item)


def can_reply(user, comment) -> bool:
    """Anyone signed in replies to a comment that is still shown."""
    return user.is_authenticated and _is_live(comment)


def can_like(user, item) -> bool:
    """Anyone signed in likes what someone else wrote (karma is earned from other people)."""
    return user.is_authenticated and item.author_id is not None and item.author_id != user.pk


def reply_refusal(parent, *, post_id: int) -> str | None:
    """Why `parent` cannot take a reply in the discussion of `post_id`, or None when it can."""
    if parent.post_id != post_id:
        return "The comment you are replying to is not part of this discussion."
    if not _is_live(parent):
        return "That comment was deleted, so it can't take new replies."
    return None


def closes_reply_loop(parent, comment, *, parent_ids: Mapping[int, int | None]) -> bool:
    """
    Whether making `parent` the parent of `comment` would close a loop of
    replies: `parent` is `comment` itself or one of its replies, at any
    depth. `parent_ids` maps the ids of the post's comments to their
    parents' ids. The walk goes up from `parent` and stops at a comment it
    has already seen, so a loop already in the rows cannot hang it.
    """
    if comment.pk is None:
        return False  # a comment not yet saved has no replies
    seen = set()
    current = parent.pk
    while current is not None and current not in seen:
        if current == comment.pk:
            return True
        seen.add(current)
        current = parent_ids.get(current)
    return False


def has_visible_text(text: str) -> bool:
    """
    Whether `text` shows anything: zero-width, bidirectional and other
    format characters, separators and blank-looking letters do not count as
    content, so a post made only of them is as empty as one made of spaces.
    """
    return any(
        not char.isspace()
        and char not in _BLANK_LOOKING
        and unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        for char in text
    )
