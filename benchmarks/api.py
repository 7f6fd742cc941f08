"""
4. The JSON API beside the pages it mirrors: the feed (first and deep page),
the discussion of the 5,000-comment post, and the leaderboard (computed at
every request, like the fragment's row). Same data, same viewer, same query
plan: the API should cost what the page does.
"""

from urllib.parse import quote

from community.models import Post
from community.selectors.feed import encode_cursor

from .harness import Bench
from .leaderboard import tick

JSON = {"Accept": "application/json"}


def run(bench: Bench) -> None:
    posts = Post.objects.count()
    deep_post = Post.objects.newest_first()[posts // 2]
    big = bench.data.markers.big_thread_post_id
    pairs = {
        "feed_first": bench.measure_page("API feed, first page", "/api/v1/posts/", headers=JSON),
        "feed_deep": bench.measure_page(
            "API feed, deep page (cursor)",
            f"/api/v1/posts/?cursor={quote(encode_cursor(deep_post))}",
            headers=JSON,
            note=f"page at post {posts // 2:,} of {posts:,}",
        ),
        "thread": bench.measure_page(
            "API discussion, the 5,000-comment post", f"/api/v1/posts/{big}/comments/", headers=JSON
        ),
    }
    with tick(0):
        pairs["leaderboard"] = bench.measure_page("API leaderboard", "/api/v1/leaderboard/", headers=JSON)
    bench.figures["api"] = pairs
