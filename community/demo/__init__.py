"""
A small, believable community to click around in (``manage.py seed_demo``).

Twelve users, all with the password ``community-demo``; about twenty posts
over the last four days, discussions nested up to eight levels deep
(including a deleted and a removed comment), and likes spread over the last
two days, so the 24-hour leaderboard has several users on it.

The people and texts are in ``data.json`` beside this module. The text and
structure are fixed and the likes come from a fixed random seed; timestamps
are relative to now.
"""

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from community.models import Comment, Like, Post
from community.services.accounts import username_skeletons_fill

DEMO_PASSWORD = "community-demo"  # noqa: S105 (documented demo password)
RANDOM_SEED = 20240611
DATA_PATH = Path(__file__).with_name("data.json")


@dataclass(frozen=True)
class DemoComment:
    """A comment to seed and the replies under it."""

    author: str
    text: str
    replies: tuple["DemoComment", ...] = ()
    state: Comment.State = Comment.State.VISIBLE

    @classmethod
    def from_data(cls, data: dict) -> "DemoComment":
        return cls(
            author=data["author"],
            text=data["text"],
            replies=tuple(cls.from_data(reply) for reply in data.get("replies", ())),
            state=Comment.State(data.get("state", Comment.State.VISIBLE)),
        )


@dataclass(frozen=True)
class DemoPost:
    author: str
    hours_ago: int
    content: str
    comments: tuple[DemoComment, ...] = field(default=())


@dataclass(frozen=True)
class DemoData:
    # (username, first name, last name)
    users: tuple[tuple[str, str, str], ...]
    # Oldest first, so ids follow time.
    posts: tuple[DemoPost, ...]

    @property
    def usernames(self) -> list[str]:
        return [username for username, _, _ in self.users]


@cache
def demo_data() -> DemoData:
    """The demo's people and texts, read from data.json."""
    data = json.loads(DATA_PATH.read_text(encoding="utf-8"))
    return DemoData(
        users=tuple((u["username"], u["first_name"], u["last_name"]) for u in data["users"]),
        posts=tuple(
            DemoPost(
                author=p["author"],
                hours_ago=p["hours_ago"],
                content=p["content"],
                comments=tuple(DemoComment.from_data(c) for c in p["comments"]),
            )
            for p in data["posts"]
        ),
    )


def existing_demo_users() -> int:
    """How many of the demo users exist; seeding is skipped when any does."""
    return get_user_model().objects.filter(username__in=demo_data().usernames).count()


def build_users(rows, *, password):
    """
    Return unsaved users, one per dict of User field values in `rows`, all
    with `password`.

    The password is hashed once and the hash shared: hashing costs about
    a quarter of a second of CPU (1,000,000 PBKDF2 iterations), which would
    make seeding thousands of users take minutes. Users are built rather
    than created so callers can bulk_create them.
    """
    User = get_user_model()
    password_hash = make_password(password)
    return [User(password=password_hash, **fields) for fields in rows]


@transaction.atomic
def seed_demo() -> dict:
    """
    Create the demo users, posts, comments and likes; return how many of
    each were created. Callers check existing_demo_users() first.
    """
    User = get_user_model()
    data = demo_data()
    rng = random.Random(RANDOM_SEED)
    now = timezone.now()

    users = User.objects.bulk_create(
        build_users(
            [
                {
                    "username": username,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "date_joined": now - timedelta(days=rng.randint(20, 400)),
                }
                for username, first, last in data.users
            ],
            password=DEMO_PASSWORD,
        )
    )
    # bulk_create sends no signals: give the new accounts their lookalike keys.
    username_skeletons_fill()
    # bulk_create does not set pks on every backend, so read them back.
    by_name = dict(
        User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
    )

    # (content type id, target id, author id, created_at) of everything likeable.
    targets = []
    post_type = ContentType.objects.get_for_model(Post)
    comment_type = ContentType.objects.get_for_model(Comment)
    n_posts = n_comments = 0

    for spec in data.posts:
        created_at = now - timedelta(hours=spec.hours_ago, minutes=rng.randint(0, 50))
        post = Post.objects.create(
            author_id=by_name[spec.author], content=spec.content, created_at=created_at
        )
        n_posts += 1
        targets.append((post_type.id, post.id, post.author_id, created_at))
        # Depth-first, so every parent is saved before its replies.
        stack = [(comment, None, created_at) for comment in reversed(spec.comments)]
        while stack:
            comment_spec, parent, after = stack.pop()
            comment_at = _later(rng, after, now)
            state_changed_at = None
            if comment_spec.state != Comment.State.VISIBLE:
                state_changed_at = _later(rng, comment_at, now)
            comment = Comment.objects.create(
                post=post,
                parent=parent,
                author_id=by_name[comment_spec.author],
                content=comment_spec.text,
                created_at=comment_at,
                state=comment_spec.state,
                state_changed_at=state_changed_at,
            )
            n_comments += 1
            targets.append((comment_type.id, comment.id, comment.author_id, comment_at))
            stack.extend((reply, comment, comment_at) for reply in reversed(comment_spec.replies))

    likes = _build_likes(rng, targets, sorted(by_name.values()), now, post_type_id=post_type.id)
    Like.objects.bulk_create(likes)
    return {"users": len(users), "posts": n_posts, "comments": n_comments, "likes": len(likes)}


def _later(rng: random.Random, after: datetime, now: datetime) -> datetime:
    """A moment between `after` and now, usually within a few hours of `after`."""
    room = (now - after).total_seconds()
    delay = min(rng.expovariate(1 / 5400), room * 0.5)
    return after + timedelta(seconds=max(delay, 1))


def _build_likes(rng, targets, user_ids, now, *, post_type_id) -> list[Like]:
    """
    Likes from other users (never the author), each received by the
    target's author, made in the last two days and after the target was
    created. Posts draw more likes than comments, and some targets draw
    none, so karma differs from user to user.
    """
    window_start = now - timedelta(days=2)
    likes = []
    for target_type_id, target_id, author_id, created_at in targets:
        is_post = target_type_id == post_type_id
        count = rng.choice([0, 1, 2, 3, 4, 5, 7, 9] if is_post else [0, 0, 0, 1, 1, 2, 3, 5])
        others = [user_id for user_id in user_ids if user_id != author_id]
        start = max(created_at, window_start)
        span = (now - start).total_seconds()
        for user_id in rng.sample(others, min(count, len(others))):
            likes.append(
                Like(
                    user_id=user_id,
                    target_type_id=target_type_id,
                    target_id=target_id,
                    receiver_id=author_id,
                    created_at=start + timedelta(seconds=rng.uniform(0, span)),
                )
            )
    return likes
