"""
The floors: the same reads as the site's, hand-written in SQL and run on a
raw cursor. The site's figure divided by its floor is the price of the ORM,
the Python around it and the template.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from community.models import Comment, Like, Post

# The leaderboard's aggregate as one would write it by hand: the likes of
# the window that count (not one's own, not on a hidden comment), weighted
# by target type and grouped by the user who received them.
LEADERBOARD_SQL = """
SELECT receiver_id,
       count(*) FILTER (WHERE target_type_id = %(post_type)s) AS post_likes,
       count(*) FILTER (WHERE target_type_id = %(comment_type)s) AS comment_likes,
       max(created_at) AS reached_at,
       %(post_karma)s * count(*) FILTER (WHERE target_type_id = %(post_type)s)
         + %(comment_karma)s * count(*) FILTER (WHERE target_type_id = %(comment_type)s) AS karma
FROM community_like
WHERE created_at >= %(since)s
  AND user_id <> receiver_id
  AND NOT (target_type_id = %(comment_type)s
           AND target_id IN (SELECT id FROM community_comment WHERE state <> 'visible'))
GROUP BY receiver_id
ORDER BY karma DESC, reached_at, receiver_id
LIMIT %(limit)s
"""

# Every comment of a post with what the page shows of it: its author's
# name, its like count and whether the viewer likes it.
COMMENTS_SQL = """
SELECT c.id, c.parent_id, c.post_id, c.author_id, u.username, c.content, c.created_at,
       c.edited_at, c.state,
       (SELECT count(*) FROM community_like l
         WHERE l.target_type_id = %(comment_type)s AND l.target_id = c.id) AS like_count,
       EXISTS (SELECT 1 FROM community_like l
         WHERE l.target_type_id = %(comment_type)s AND l.target_id = c.id
           AND l.user_id = %(viewer)s) AS liked
FROM community_comment c
LEFT JOIN auth_user u ON u.id = c.author_id
WHERE c.post_id = %(post_id)s
ORDER BY c.created_at, c.id
"""


def _check_tables() -> None:
    # The SQL above names the tables; fail loudly if a model is renamed.
    from django.contrib.auth import get_user_model

    expected = {Like: "community_like", Comment: "community_comment", get_user_model(): "auth_user"}
    for model, table in expected.items():
        if model._meta.db_table != table:
            raise RuntimeError(f"{model.__name__} is stored in {model._meta.db_table}, not {table}.")


def leaderboard_params(*, since: datetime, limit: int) -> dict:
    return {
        "post_type": ContentType.objects.get_for_model(Post).id,
        "comment_type": ContentType.objects.get_for_model(Comment).id,
        "post_karma": Like.POST_KARMA,
        "comment_karma": Like.COMMENT_KARMA,
        "since": since,
        "limit": limit,
    }


def leaderboard_rows(params: dict) -> list[tuple]:
    _check_tables()
    with connection.cursor() as cursor:
        cursor.execute(LEADERBOARD_SQL, params)
        return cursor.fetchall()


def comment_rows(*, post_id: int, viewer_id: int) -> list[tuple]:
    _check_tables()
    params = {
        "comment_type": ContentType.objects.get_for_model(Comment).id,
        "viewer": viewer_id,
        "post_id": post_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(COMMENTS_SQL, params)
        return cursor.fetchall()


def explain(sql: str, params) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, as text."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
