"""
7. The viral day: a scratch copy of the database (``CREATE DATABASE …
TEMPLATE``) gets likes on the newest posts and comments until the 24-hour
window holds about 1,200,000; the leaderboard (computed live at every
request, as in section 3) and its floor are measured before and after
``VACUUM``, then the copy is dropped.
"""

import math
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from community.models import Comment, Like, Post
from community.selectors.karma import karma_window_start, leaderboard

from . import dataset
from .harness import HTMX, Bench
from .leaderboard import explain_logged, measure_floor, tick
from .measure import captured_queries

# Likes inside the 24-hour window on the viral day, seeded ones included.
FULL_VIRAL_WINDOW_LIKES = 1_200_000
TINY_VIRAL_WINDOW_LIKES = 8_000


def run(bench: Bench) -> None:
    # The live aggregate at every request, as the leaderboard section measures it.
    with tick(0):
        measure(bench)


def measure(bench: Bench) -> None:
    goal = TINY_VIRAL_WINDOW_LIKES if bench.tiny else FULL_VIRAL_WINDOW_LIKES
    source = connection.settings_dict["NAME"]
    scratch = f"{source}_viral"
    bench.say(f"   copying {source} to {scratch}")
    dataset.use_database("postgres")  # nothing may hold the template open
    dataset.drop_database(scratch)
    started = time.monotonic()
    dataset.create_database(scratch, template=source)
    bench.say(f"   copied in {time.monotonic() - started:.1f} s")
    try:
        dataset.use_database(scratch)
        with connection.cursor() as cursor:
            # Measure the unvacuumed state as it is, not as autovacuum
            # happens to leave it a minute later.
            cursor.execute("ALTER TABLE community_like SET (autovacuum_enabled = false)")
        window = Like.objects.filter(created_at__gte=karma_window_start()).count()
        add_viral_likes(likes=max(0, goal - window), out=bench.say)
        window = Like.objects.filter(created_at__gte=karma_window_start()).count()
        path = reverse("community:leaderboard")
        fresh = bench.measure_page(
            "Viral day leaderboard, before vacuum",
            path,
            headers=HTMX,
            note=f"{window:,} likes in the window; new rows not yet all-visible",
        )
        measure_floor(bench, "  floor, before vacuum", fresh)
        started = time.monotonic()
        vacuum_likes()
        bench.say(f"   VACUUM (ANALYZE) likes: {time.monotonic() - started:.1f} s")
        vacuumed = bench.measure_page(
            "Viral day leaderboard (vacuumed)", path, headers=HTMX, note=f"{window:,} likes in the window"
        )
        floor = measure_floor(bench, "  floor, vacuumed", vacuumed)
        bench.figures.update(viral=vacuumed, viral_fresh=fresh, viral_floor=floor)
        selector_sql = captured_queries(leaderboard)
        bench.details["viral"] = {
            "window_likes": window,
            "orm_aggregate_explain": explain_logged(selector_sql[0]),
        }
    finally:
        dataset.use_database(source)
        dataset.drop_database(scratch)


# Likes from many users on the newest posts and comments, spread over the
# window. Targets take likes from users picked by a stride through the user
# list, so no pair repeats; pairs that already exist are skipped by the
# unique constraint, self-likes by the WHERE clause.
VIRAL_SQL = """
WITH people AS (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user),
targets AS (
    (SELECT %(post_type)s AS type_id, id, author_id, created_at FROM community_post
     ORDER BY created_at DESC, id DESC LIMIT %(post_targets)s)
    UNION ALL
    (SELECT %(comment_type)s, id, author_id, created_at FROM community_comment
     WHERE state = 'visible' AND author_id IS NOT NULL
     ORDER BY created_at DESC, id DESC LIMIT %(comment_targets)s)
),
numbered AS (SELECT *, row_number() OVER (ORDER BY type_id, id) AS rn FROM targets),
pairs AS (
    SELECT people.ids[1 + ((t.rn * 7919 + k) %% cardinality(people.ids))] AS user_id,
           t.type_id, t.id, t.author_id, greatest(t.created_at, %(since)s) AS earliest
    FROM numbered t CROSS JOIN people CROSS JOIN generate_series(0, %(per_target)s - 1) AS k
)
INSERT INTO community_like (user_id, target_type_id, target_id, receiver_id, created_at)
SELECT user_id, type_id, id, author_id, earliest + random() * (%(now)s - earliest)
FROM pairs
WHERE user_id <> author_id
ON CONFLICT DO NOTHING
"""


def add_viral_likes(*, likes: int, out) -> int:
    """Insert about `likes` likes inside the 24-hour window; return how many were inserted."""
    users = get_user_model().objects.count()
    per_target = max(1, min(300, users - 1))
    # Each target loses a few pairs to self-likes and likes already there.
    targets = math.ceil(likes * 1.03 / per_target)
    now = timezone.now()
    params = {
        "post_type": ContentType.objects.get_for_model(Post).id,
        "comment_type": ContentType.objects.get_for_model(Comment).id,
        "post_targets": math.ceil(targets * 0.4),
        "comment_targets": targets - math.ceil(targets * 0.4),
        "per_target": per_target,
        # Half an hour inside the window, so a slow run does not push rows out of it.
        "since": karma_window_start(now) + timedelta(minutes=30),
        "now": now - timedelta(seconds=1),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        try:
            started = time.monotonic()
            cursor.execute(VIRAL_SQL, params)
            inserted = cursor.rowcount
            out(f"  inserted {inserted:,} likes in {time.monotonic() - started:.1f} s")
        finally:
            cursor.execute("RESET statement_timeout")
    return inserted


def vacuum_likes() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        try:
            cursor.execute("VACUUM (ANALYZE) community_like")
        finally:
            cursor.execute("RESET statement_timeout")
