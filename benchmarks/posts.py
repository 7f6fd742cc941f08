"""
2. and 4. Post pages: the post whose discussion is closest to 200 comments,
the big thread's first window against its floor (the raw fetch of all its
comments) and where its time goes; and the deep chain followed page by page.
"""

import html
import re
import time

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.comment_tree import build_comment_tree, thread_window
from community.models import Comment
from community.selectors.threads import comment_rows

from . import floors
from .harness import Bench, DatabaseGone
from .measure import Timing, time_calls

CONTINUE_LINK = re.compile(r'<li class="continue-thread[^"]*"><a href="([^"]+)"')


def run(bench: Bench) -> None:
    markers = bench.data.markers
    planted = [markers.big_thread_post_id, markers.chain_post_id]
    near = (
        Comment.objects.exclude(post_id__in=planted)
        .values("post_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("post_id", "n")
    )
    # The ordinary post whose discussion is closest to 200 comments.
    post_id, n = min(near, key=lambda pair: (abs(pair[1] - 200), pair[0]))
    path = reverse("community:post_detail", args=[post_id])
    post200 = bench.measure_page(f"Post page, {n} comments", path, note=f"post {post_id}")
    post200["comments"] = n

    big = markers.big_thread_post_id
    big_n = Comment.objects.filter(post_id=big).count()
    path = reverse("community:post_detail", args=[big])
    shown = bench.get(path).content.count(b'class="comment-item"')
    page = bench.measure_page(
        f"Post page, {big_n:,} comments (first window)", path, note=f"{shown} comments rendered"
    )
    page["comments"] = big_n

    viewer = bench.viewer
    floor = time_calls(lambda: floors.comment_rows(post_id=big, viewer_id=viewer.pk), runs=bench.runs)
    big_floor = bench.row(
        f"  floor: raw fetch of the {big_n:,} comments",
        floor,
        queries=1,
        note=f"page / floor = {page['p50_ms'] / floor.p50:.1f}x",
    )
    # Where the page's time goes, for diagnosis.
    rows = list(comment_rows(post_id=big, viewer=viewer))
    fetch = time_calls(lambda: list(comment_rows(post_id=big, viewer=viewer)), runs=bench.runs)
    tree = time_calls(lambda: build_comment_tree(rows), runs=bench.runs)
    built = build_comment_tree(rows)
    window = time_calls(lambda: thread_window(built.roots), runs=bench.runs)
    bench.row("  of which: ORM fetch of the comments", fetch, queries=1)
    bench.row("  of which: building the tree", tree)
    bench.row(
        "  of which: choosing the window",
        window,
        note="the rest of the page is the post, session and rendering",
    )
    comment_type = ContentType.objects.get_for_model(Comment).id
    bench.details["comment_floor_explain"] = floors.explain(
        floors.COMMENTS_SQL, {"comment_type": comment_type, "viewer": viewer.pk, "post_id": big}
    )
    bench.figures.update(post200=post200, big=page, big_floor=big_floor)


def run_chain(bench: Bench) -> None:
    """Follow the chain from its post through every "Continue this thread" link to its deepest reply."""
    markers = bench.data.markers
    depth = Comment.objects.filter(post_id=markers.chain_post_id).count()
    url = reverse("community:post_detail", args=[markers.chain_post_id])
    pages = []
    content = b""
    limit = depth // 4 + 10
    while url and len(pages) < limit:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = bench.client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        pages.append({"url": url, "status": response.status_code, "ms": elapsed, "queries": len(queries)})
        if response.status_code == 503:
            raise DatabaseGone(f"GET {url} answered 503")
        if response.status_code != 200:
            break
        content = response.content
        match = CONTINUE_LINK.search(content.decode())
        url = html.unescape(match.group(1)) if match else None
    reached = f'id="comment-{markers.chain_leaf_id}"'.encode() in content
    timing = Timing(tuple(page["ms"] for page in pages))
    statuses = sorted({page["status"] for page in pages})
    bench.figures["chain"] = bench.row(
        f"Chain {depth:,} deep, every continue page",
        timing,
        queries=max(page["queries"] for page in pages),
        note=f"{len(pages)} pages, statuses {statuses}, {'reached' if reached else 'did NOT reach'} "
        f"the deepest reply, {sum(timing.samples) / 1000:.1f} s in all",
        pages=len(pages),
        statuses=statuses,
        reached_leaf=reached,
    )
    bench.details["chain_pages"] = [{**p, "ms": round(p["ms"], 2)} for p in pages]
