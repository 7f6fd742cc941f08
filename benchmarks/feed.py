"""1. The feed: the first page, a page halfway down (keyset cursor), and queries by page size."""

from urllib.parse import quote

from django.conf import settings
from django.test.utils import override_settings
from django.urls import reverse

from community.models import Post
from community.selectors.feed import encode_cursor

from .harness import Bench
from .measure import captured_queries


def run(bench: Bench) -> None:
    feed = reverse("community:feed")
    first = bench.measure_page("Feed, first page", feed)
    posts = Post.objects.count()
    deep_post = Post.objects.newest_first()[posts // 2]
    deep = bench.measure_page(
        "Feed, deep page (cursor)",
        f"{feed}?cursor={quote(encode_cursor(deep_post))}",
        note=f"page at post {posts // 2:,} of {posts:,}",
    )
    by_size = {}
    for size in (5, settings.COMMUNITY_FEED_PAGE_SIZE, 50):
        with override_settings(COMMUNITY_FEED_PAGE_SIZE=size):
            by_size[size] = len(captured_queries(lambda: bench.get(feed)))
    bench.row(
        "Feed, queries by page size",
        queries=max(by_size.values()),
        note=", ".join(f"{n} at {size} posts" for size, n in by_size.items()),
    )
    bench.details["feed"] = {"queries_by_page_size": by_size}
    bench.figures["feed"] = {"first": first, "deep": deep, "by_size": by_size}
