"""
Moderation in the Django admin.

Moderators (the `Moderators` group, see migration 0002 and `manage.py
make_moderator`) remove and restore comments, delete posts and abusive
likes, ban users and audit the leaderboard from here. The lists are built
for the benchmark's size (100k posts, 1M comments, 5M likes): counts come
from subqueries, never from joins that multiply rows; foreign keys are raw
id inputs; and nothing counts a whole large table (see
`large_tables.LargeTablePaginator`).

One module per model (`posts`, `comments`, `likes`, `users`), each
registering its admin when imported here; the machinery they share is in
`large_tables`.
"""

from . import comments, likes, posts, users  # noqa: F401 (registers the admins)
