"""
Helpers shared by the seed_demo and seed_bench commands, and the lookup
benchmark code uses to find the posts seed_bench plants.

The module name starts with an underscore so Django does not offer it as a
management command.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from community.models import Comment, Post

# seed_bench starts the content of its two extra posts with these, so
# benchmarks can find them again without knowing their ids.
BIG_THREAD_MARKER = "[bench:big-thread]"
CHAIN_MARKER = "[bench:chain]"


@dataclass(frozen=True)
class BenchMarkers:
    """Ids of the posts and comments seed_bench plants for benchmarks."""

    big_thread_post_id: int
    chain_post_id: int
    # The top of the reply chain and its deepest reply.
    chain_root_id: int
    chain_leaf_id: int


def bench_markers(using="default"):
    """
    Return the BenchMarkers of the newest seed_bench run in the database
    `using`, or None when there is none.

    The big-thread post and the chain post are found by the markers their
    content starts with; the chain's root is that post's only top-level
    comment and its leaf the latest comment (each reply is later than its
    parent).
    """
    posts = Post.objects.using(using).order_by("-id")
    big_thread_post_id = (
        posts.filter(content__startswith=BIG_THREAD_MARKER).values_list("id", flat=True).first()
    )
    chain_post_id = posts.filter(content__startswith=CHAIN_MARKER).values_list("id", flat=True).first()
    if big_thread_post_id is None or chain_post_id is None:
        return None
    chain = Comment.objects.using(using).filter(post_id=chain_post_id)
    chain_root_id = (
        chain.filter(parent__isnull=True).order_by("created_at", "id").values_list("id", flat=True).first()
    )
    chain_leaf_id = chain.order_by("-created_at", "-id").values_list("id", flat=True).first()
    if chain_root_id is None:
        return None
    return BenchMarkers(
        big_thread_post_id=big_thread_post_id,
        chain_post_id=chain_post_id,
        chain_root_id=chain_root_id,
        chain_leaf_id=chain_leaf_id,
    )


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
