"""
The benchmark's database: created when absent, migrated, seeded with
``seed_bench`` when empty or stale, reused otherwise; and the "viral day"
scratch copy with a million more likes in the window.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

import psycopg2
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Max
from django.utils import timezone

from community.management.commands._seeding import bench_markers
from community.models import Comment, Like, Post
from community.selectors import karma_window_start

FULL_SIZE = {
    "users": 10_000,
    "posts": 100_000,
    "comments": 1_000_000,
    "likes": 5_000_000,
    "big_thread": 5_000,
    "chain": 5_000,
}
# Seconds to seed and a few to measure; the same shapes, a hundred to a
# thousand times smaller.
TINY_SIZE = {
    "users": 60,
    "posts": 400,
    "comments": 3_000,
    "likes": 12_000,
    "big_thread": 400,
    "chain": 60,
}
TINY_DATABASE = "community_bench_tiny"
# seed_bench places likes over the 30 days before it ran. Data older than
# this no longer fills the 24-hour window as it should, so it is reseeded.
MAX_DATA_AGE = timedelta(hours=2)


class DatasetError(Exception):
    pass


def _admin_connection(settings_dict):
    """An autocommit connection to the server's `postgres` database, without statement timeout."""
    params = {"dbname": "postgres", "options": "-c statement_timeout=0"}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def database_exists(name: str) -> bool:
    conn = _admin_connection(connection.settings_dict)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    finally:
        conn.close()


def create_database(name: str, *, template: str | None = None) -> None:
    conn = _admin_connection(connection.settings_dict)
    try:
        with conn.cursor() as cursor:
            sql = f"CREATE DATABASE {_quote(name)}"
            if template:
                cursor.execute("SHOW server_version_num")
                # FILE_COPY copies the files instead of writing every page to
                # the WAL: several times faster for a few gigabytes.
                strategy = " STRATEGY FILE_COPY" if int(cursor.fetchone()[0]) >= 150000 else ""
                sql += f" TEMPLATE {_quote(template)}{strategy}"
            for attempt in range(10):
                try:
                    cursor.execute(sql)
                    return
                except psycopg2.errors.ObjectInUse:
                    # Another session (an autovacuum worker, a closing
                    # connection) still has the template open.
                    if attempt == 9:
                        raise
                    time.sleep(1)
    finally:
        conn.close()


def drop_database(name: str) -> None:
    conn = _admin_connection(connection.settings_dict)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    finally:
        conn.close()


def use_database(name: str) -> None:
    """Point the default connection (and so settings.DATABASES) at database `name`."""
    connections.close_all()
    connection.settings_dict["NAME"] = name


@dataclass
class Dataset:
    database: str
    seeded: bool
    seed_seconds: float | None
    reason: str
    counts: dict
    window_likes: int
    newest_like_at: str | None
    markers: object

    def as_dict(self) -> dict:
        return {
            "database": self.database,
            "seeded_now": self.seeded,
            "seed_seconds": self.seed_seconds,
            "why": self.reason,
            "counts": self.counts,
            "likes_in_24h_window": self.window_likes,
            "newest_like_at": self.newest_like_at,
            "markers": vars(self.markers) if self.markers else None,
        }


def prepare(*, tiny: bool, reseed: bool, out) -> Dataset:
    """
    Make the default database ready: create it if absent, migrate, and seed
    it unless it already holds a fresh seed_bench dataset.
    """
    if connection.vendor != "postgresql":
        raise DatasetError("The benchmark needs PostgreSQL: set DATABASE_URL (see docs/benchmarks.md).")
    if tiny:
        use_database(TINY_DATABASE)
    name = connection.settings_dict["NAME"]
    if not database_exists(name):
        out(f"Creating database {name}")
        create_database(name)
    call_command("migrate", verbosity=0, interactive=False)

    size = TINY_SIZE if tiny else FULL_SIZE
    markers = bench_markers()
    has_posts = Post.objects.exists()
    newest = Like.objects.aggregate(newest=Max("created_at"))["newest"]
    if not has_posts:
        reason, reset = "empty database", False
    elif markers is None:
        raise DatasetError(
            f"Database {name} has posts but no seed_bench dataset; the benchmark will not overwrite it. "
            "Point BENCH_DATABASE_URL at a database of its own."
        )
    elif reseed:
        reason, reset = "--reseed given", True
    elif newest is None or timezone.now() - newest > MAX_DATA_AGE:
        reason, reset = f"data older than {MAX_DATA_AGE} (the 24-hour window would be thin)", True
    elif not tiny and Post.objects.count() < size["posts"]:
        reason, reset = "smaller than the benchmark size", True
    else:
        reason, reset = "fresh seed_bench data present: reused", None

    seed_seconds = None
    if reset is not None:
        out(f"Seeding {name} with seed_bench ({reason}): {size}")
        started = time.monotonic()
        call_command("seed_bench", reset=reset, verbosity=1, **size, stdout=_Writer(out))
        seed_seconds = round(time.monotonic() - started, 1)
        markers = bench_markers()
        newest = Like.objects.aggregate(newest=Max("created_at"))["newest"]
    else:
        out(f"Reusing {name}: {reason}")

    User = get_user_model()
    counts = {
        "users": User.objects.count(),
        "posts": Post.objects.count(),
        "comments": Comment.objects.count(),
        "likes": Like.objects.count(),
    }
    return Dataset(
        database=name,
        seeded=reset is not None,
        seed_seconds=seed_seconds,
        reason=reason,
        counts=counts,
        window_likes=Like.objects.filter(created_at__gte=karma_window_start()).count(),
        newest_like_at=newest.isoformat() if newest else None,
        markers=markers,
    )


class _Writer:
    """A file-like object for call_command's stdout that forwards lines to `out`."""

    def __init__(self, out):
        self.out = out

    def write(self, text):
        text = text.rstrip("\n")
        if text:
            self.out("  " + text)

    def flush(self):
        pass


# A viral day: likes from many users on the newest posts and comments,
# spread over the window. Targets take likes from users picked by a stride
# through the user list, so no pair repeats; pairs that already exist are
# skipped by the unique constraint, self-likes by the WHERE clause.
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
