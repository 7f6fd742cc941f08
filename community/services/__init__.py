"""
Writes with rules, by subject: `posts`, `comments`, `likes`, `moderation`
(what moderators do to content) and `users` (bans).

Each function is keyword-only, runs in one transaction and raises
`PermissionDenied`, `ValidationError` or `NotFound` with a message fit for
the person who asked. Permission and content rules come from
`community.rules`.
"""


class NotFound(Exception):
    """The target of a write is gone (deleted post, hidden comment)."""
