"""
The two posts seed_bench plants for the benchmark, and how the benchmark
finds them again without knowing their ids.
"""

from dataclasses import dataclass

from community.models import Comment, Post

# The content of the two extra posts starts with these.
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

    def describe(self) -> str:
        return (
            f"big-thread post {self.big_thread_post_id}, chain post {self.chain_post_id}, "
            f"chain root comment {self.chain_root_id}, chain leaf comment {self.chain_leaf_id}"
        )


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
