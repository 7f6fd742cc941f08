"""5. The like toggle: like then unlike a post through the htmx view, alternating between 10 users."""

import time

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from community.models import Like, Post

from .harness import HTMX, Bench, BenchmarkError, DatabaseGone
from .measure import Timing, captured_queries, time_calls


def run(bench: Bench) -> None:
    post = Post.objects.newest_first().exclude(author=bench.viewer).first()
    post_type = ContentType.objects.get_for_model(Post)
    likers = list(
        get_user_model()
        .objects.filter(is_superuser=False)
        .exclude(pk=post.author_id)
        .exclude(pk__in=Like.objects.filter(target_id=post.pk, target_type=post_type).values("user"))
        .order_by("id")[:10]
    )
    clients = [bench.signed_in_client(user) for user in likers]
    like = reverse("community:post_like", args=[post.pk])
    unlike = reverse("community:post_unlike", args=[post.pk])

    def post_request(client, path):
        response = client.post(path, headers=HTMX)
        if response.status_code == 503:
            raise DatabaseGone(f"POST {path} answered 503")
        if response.status_code != 200:
            raise BenchmarkError(f"POST {path} answered {response.status_code}; expected 200.")

    samples = []
    counter = iter(range(10**9))

    def toggle():
        client = clients[next(counter) % len(clients)]
        for path in (like, unlike):
            started = time.perf_counter()
            post_request(client, path)
            samples.append((time.perf_counter() - started) * 1000)

    time_calls(toggle, runs=bench.runs)
    timing = Timing(tuple(samples[4:]))  # the two warm-up toggles are not counted
    like_sql = captured_queries(lambda: post_request(clients[0], like))
    unlike_sql = captured_queries(lambda: post_request(clients[0], unlike))
    bench.figures["like"] = bench.row(
        "Like toggle (like, then unlike; htmx)",
        timing,
        queries=max(len(like_sql), len(unlike_sql)),
        note=f"like {len(like_sql)} queries, unlike {len(unlike_sql)}; {len(clients)} users",
        sql={"like": like_sql, "unlike": unlike_sql},
    )
    for client in clients:
        bench.sign_out(client)
