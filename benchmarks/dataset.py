"""
The benchmark's database: created when absent, migrated, seeded (see
``benchmarks.seeding``) when empty or stale, reused otherwise; and the
helpers to create, drop and switch databases on the same server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

import psycopg2
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Max
from django.utils import timezone

from community.models import Comment, Like, Post
from community.selectors.karma import karma_window_start

from .seeding import BenchMarkers, bench_markers, seed_community

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
    markers: BenchMarkers | None

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
        seeded = seed_community(**size, reset=reset, progress=lambda line: out("  " + line))
        for line in seeded.summary():
            out("  " + line)
        seed_seconds = round(time.monotonic() - started, 1)
        markers = seeded.markers
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
