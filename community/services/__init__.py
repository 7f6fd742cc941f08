"""
Writes with rules, by subject: `posts`, `comments`, `likes`, `moderation`
(what moderators do to content) and `users` (bans).

Each function is keyword-only, runs in one transaction and raises
`PermissionDenied`, `ValidationError` or `NotFound` with a message fit for
the person who asked. Permission and content rules come from
`community.rules`.
"""

from django.contrib.auth import get_user_model


class NotFound(Exception):
    """The target of a write is gone (deleted post, hidden comment)."""


def lock_author(author) -> None:
    """
    Serialise one person's writes until the transaction ends, so a check
    such as "did they just post this?" cannot race a copy of itself. (On
    SQLite, whose write transactions already run one at a time, a no-op.)
    """
    get_user_model().objects.select_for_update().filter(pk=author.pk).exists()
