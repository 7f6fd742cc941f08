"""seed_community(): validate the sizes, empty the tables if asked, load and analyze."""

import random
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from community.demo import build_users
from community.models import Comment, Like, Post

from . import bulk
from .generator import Clock, Community
from .markers import BenchMarkers, bench_markers

# Documented in the help: every seeded account shares it.
BENCH_PASSWORD = "bench-password"  # noqa: S105
DEFAULT_SEED = 42


class SeedError(Exception):
    """The sizes do not fit together, or the database holds data it would overwrite."""


@dataclass(frozen=True)
class Seeded:
    markers: BenchMarkers
    seconds: float

    def summary(self) -> list[str]:
        return [f"Done in {self.seconds:.1f} s. Password: {BENCH_PASSWORD}", self.markers.describe()]


def seed_community(
    *,
    users: int,
    posts: int,
    comments: int,
    likes: int,
    big_thread: int,
    chain: int,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Seeded:
    """
    Load a benchmark community of the given size into the default database,
    plus the big-thread post and the reply chain (see markers), and return
    their ids and the time it took. `progress` receives a line per phase.

    Raises SeedError when the sizes do not fit together, or when the
    database has posts (or users named like the seeded ones) and `reset`
    is false; with `reset` the community tables are emptied and every user
    who is not a superuser deleted first.
    """
    sizes = {
        "users": users,
        "posts": posts,
        "comments": comments,
        "likes": likes,
        "big_thread": big_thread,
        "chain": chain,
    }
    _validate(sizes)
    seeder = _Seeder(progress or (lambda message: None))
    with bulk.session_settings(), transaction.atomic(), bulk.pending_checks_cleared():
        seeder.check_empty(reset)
        seeder.load(sizes, seed)
    if bulk.is_postgres():
        with seeder.phase("analyze"):
            bulk.analyze()
    return Seeded(markers=bench_markers(), seconds=time.monotonic() - seeder.started)


def _validate(sizes):
    for name, value in sizes.items():
        if value < 0:
            raise SeedError(f"--{name.replace('_', '-')} cannot be negative.")
    if sizes["users"] < 2:
        raise SeedError("--users must be at least 2: nobody may like their own content.")
    if sizes["chain"] < 1:
        raise SeedError("--chain must be at least 1.")
    if sizes["comments"] and not sizes["posts"]:
        raise SeedError("Comments need posts: give --posts.")
    targets = sizes["posts"] + 2 + sizes["comments"] + sizes["big_thread"] + sizes["chain"]
    capacity = targets * (sizes["users"] - 1)
    if sizes["likes"] > capacity:
        raise SeedError(
            f"{sizes['likes']} likes do not fit: {targets} targets can take at most "
            f"{sizes['users'] - 1} likes each ({capacity} in all) without duplicates or self-likes."
        )


class _Seeder:
    def __init__(self, progress):
        self.progress = progress
        self.started = time.monotonic()

    @contextmanager
    def phase(self, name):
        counted = []
        started = time.monotonic()
        yield counted.append
        elapsed = time.monotonic() - started
        rows = f"{counted[0]:>12,} rows" if counted else " " * 17
        self.progress(f"{name:<10}{rows}  {elapsed:7.1f} s  (total {time.monotonic() - self.started:.1f} s)")

    def check_empty(self, reset):
        User = get_user_model()
        if reset:
            with self.phase("reset") as count:
                count(bulk.empty_community())
            return
        if Post.objects.exists():
            raise SeedError(
                "The database already has posts. Pass --reset to empty the community tables and delete "
                "every non-superuser user first."
            )
        if User.objects.filter(username__regex=r"^user[0-9]{5,}$").exists():
            raise SeedError(
                "The database already has users named like user00001; pass --reset to delete "
                "non-superuser users first."
            )

    def load(self, sizes, seed):
        rng = random.Random(seed)
        clock = Clock(timezone.now())

        with self.phase("users") as count:
            user_ids = self.create_users(sizes["users"], rng, clock)
            count(len(user_ids))

        community = Community(
            rng=rng,
            user_ids=user_ids,
            post_base=bulk.next_id(Post),
            comment_base=bulk.next_id(Comment),
            n_posts=sizes["posts"],
            n_comments=sizes["comments"],
            n_big=sizes["big_thread"],
            n_chain=sizes["chain"],
        )
        esc_cache = {}

        def esc(text):
            # Contents come from small pools; escape each once.
            try:
                return esc_cache[text]
            except KeyError:
                esc_cache[text] = escaped = bulk.copy_text(text)
                return escaped

        def ts(ms):
            return bulk.NULL if ms is None else clock.text(ms)

        def dt(ms):
            return None if ms is None else clock.datetime(ms)

        with self.phase("posts") as count:
            count(
                bulk.insert(
                    Post,
                    ["id", "author_id", "content", "created_at"],
                    community.posts(),
                    lambda r: f"{r[0]}\t{r[1]}\t{esc(r[2])}\t{ts(r[3])}\n",
                    lambda r: Post(id=r[0], author_id=r[1], content=r[2], created_at=dt(r[3])),
                    progress=self.progress,
                )
            )

        with self.phase("comments") as count:
            count(
                bulk.insert(
                    Comment,
                    [
                        "id",
                        "post_id",
                        "parent_id",
                        "author_id",
                        "content",
                        "created_at",
                        "edited_at",
                        "state",
                        "state_changed_at",
                        "reply_to_user_id",
                    ],
                    community.comments(),
                    lambda r: (
                        f"{r[0]}\t{r[1]}\t{bulk.NULL if r[2] is None else r[2]}\t{r[3]}\t{esc(r[4])}\t"
                        f"{ts(r[5])}\t{ts(r[6])}\t{r[7]}\t{ts(r[8])}\t{r[9]}\n"
                    ),
                    lambda r: Comment(
                        id=r[0],
                        post_id=r[1],
                        parent_id=r[2],
                        author_id=r[3],
                        content=r[4],
                        created_at=dt(r[5]),
                        edited_at=dt(r[6]),
                        state=r[7],
                        state_changed_at=dt(r[8]),
                        reply_to_user_id=r[9],
                    ),
                    progress=self.progress,
                )
            )

        with self.phase("likes") as count:
            # A live site stores likes as they happen, so its table (and
            # its ids) follow created_at and the last 24 hours sit in the
            # last pages. Streamed target by target instead, the window was
            # spread over the whole table, and the leaderboard's index-only
            # scan switched visibility-map pages at every third row (60k
            # buffer visits instead of 1k for 170k likes). Sorted, the
            # benchmark reads the table a live site has.
            rows = sorted(
                community.likes(
                    sizes["likes"],
                    post_type_id=ContentType.objects.get_for_model(Post).id,
                    comment_type_id=ContentType.objects.get_for_model(Comment).id,
                ),
                key=lambda row: row[4],
            )
            rows = iter(rows)  # insert() reads it batch by batch
            count(
                bulk.insert(
                    Like,
                    ["user_id", "target_type_id", "target_id", "receiver_id", "created_at"],
                    rows,
                    lambda r: f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{ts(r[4])}\n",
                    lambda r: Like(
                        user_id=r[0],
                        target_type_id=r[1],
                        target_id=r[2],
                        receiver_id=r[3],
                        created_at=dt(r[4]),
                    ),
                    progress=self.progress,
                )
            )

    @staticmethod
    def create_users(n, rng, clock):
        User = get_user_model()
        width = max(5, len(str(n)))
        users = build_users(
            (
                {
                    "username": f"user{i:0{width}d}",
                    "email": f"user{i:0{width}d}@example.com",
                    "date_joined": clock.datetime(0) - timedelta(days=rng.uniform(0, 365)),
                }
                for i in range(1, n + 1)
            ),
            password=BENCH_PASSWORD,
        )
        created = User.objects.bulk_create(users, batch_size=bulk.ORM_BATCH_ROWS)
        user_ids = [user.pk for user in created]
        if None in user_ids:
            # Backends that cannot return ids from a bulk insert.
            names = [user.username for user in users]
            by_name = {}
            for start in range(0, n, 500):
                chunk = names[start : start + 500]
                by_name.update(User.objects.filter(username__in=chunk).values_list("username", "id"))
            user_ids = [by_name[name] for name in names]
        return user_ids
