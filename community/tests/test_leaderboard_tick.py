"""The shared live leaderboard: one computation per tick, single flight, conditional polls."""

import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from community.models import Post
from community.selectors import karma
from community.selectors import leaderboard as shared
from community.services.likes import like_add
from community.tests.helpers import PRODUCTION_ENV, ROOT, needs_redis

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def tick(settings):
    """Set the tick (seconds), starting from an empty cache."""

    def set_tick(seconds):
        settings.COMMUNITY_LEADERBOARD_TICK = seconds
        shared.forget()
        cache.delete(shared.COMPUTATIONS_KEY)

    yield set_tick
    shared.forget()


@pytest.fixture
def slow_aggregate(monkeypatch):
    """Replace the aggregate by one that takes a while and counts its runs."""
    runs = []

    def aggregate(**kwargs):
        runs.append(time.monotonic())
        time.sleep(0.2)
        return []

    monkeypatch.setattr(karma, "leaderboard", aggregate)
    return runs


def test_concurrent_polls_within_a_tick_share_one_computation(tick, slow_aggregate):
    tick(5)
    start = threading.Barrier(16)
    answers = []

    def poll():
        start.wait()
        answers.append(shared.current())

    threads = [threading.Thread(target=poll) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(slow_aggregate) == 1
    assert len({answer.computed_at for answer in answers}) == 1
    assert shared.computations() == 1


def test_tick_zero_computes_on_every_request(tick, slow_aggregate, client, db):
    tick(0)
    for _ in range(3):
        assert client.get("/leaderboard/", **HX).status_code == 200
    assert len(slow_aggregate) == 3


def test_a_new_tick_computes_again(tick, slow_aggregate):
    tick(0.3)
    first = shared.current()
    assert shared.current() is first
    time.sleep(0.35)
    assert shared.current().computed_at > first.computed_at
    assert len(slow_aggregate) == 2


def test_a_like_reaches_the_fragment_within_one_tick(tick, client, make_user, make_post):
    tick(1)
    post = make_post(author=make_user("maya"))
    before = client.get("/leaderboard/", **HX).content.decode()
    assert 'data-username="maya"' not in before
    like_add(user=make_user(), model=Post, target_id=post.pk)
    # Within the tick every poll gets the answer already computed...
    assert 'data-username="maya"' not in client.get("/leaderboard/", **HX).content.decode()
    # ...and once the tick is over, the next poll shows the like.
    time.sleep(1.05)
    assert 'data-username="maya" data-karma="5"' in client.get("/leaderboard/", **HX).content.decode()


def test_fragment_states_when_it_was_computed(tick, client, db):
    tick(0)
    body = client.get("/leaderboard/", **HX).content.decode()
    stamp = body.split('data-computed-at="', 1)[1].split('"', 1)[0]
    computed_at = datetime.fromisoformat(stamp)
    assert computed_at.tzinfo is not None
    assert f">{computed_at:%H:%M:%S}</time> UTC" in body


def test_an_unchanged_answer_is_not_modified(tick, client, make_user, make_post):
    tick(0)
    first = client.get("/leaderboard/", **HX)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    assert "HX-Request" in first["Vary"]

    again = client.get("/leaderboard/", HTTP_IF_NONE_MATCH=etag, **HX)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Leaderboard-Computed-At"]

    like_add(user=make_user(), model=Post, target_id=make_post(author=make_user("maya")).pk)
    changed = client.get("/leaderboard/", HTTP_IF_NONE_MATCH=etag, **HX)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert 'data-username="maya"' in changed.content.decode()


def test_the_page_is_never_answered_not_modified(tick, client, db):
    tick(0)
    etag = client.get("/leaderboard/", **HX)["ETag"]
    page = client.get("/leaderboard/", HTTP_IF_NONE_MATCH=etag)
    assert page.status_code == 200
    assert "<html" in page.content.decode()


POLLER = """
import sys, time
import django
django.setup()
from community.selectors import karma, leaderboard as shared

def aggregate(**kwargs):
    time.sleep(0.3)
    return []

karma.leaderboard = aggregate
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
print(shared.current().computed_at.isoformat())
"""


@needs_redis()
def test_processes_sharing_redis_compute_once_per_tick():
    """Eight web processes polling at the same instant run the aggregate once between them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_"))}
    env.update(
        PRODUCTION_ENV,
        DJANGO_SETTINGS_MODULE="config.settings",
        CACHE_URL="redis://127.0.0.1:6379/15",
        COMMUNITY_LEADERBOARD_TICK="30",
    )
    reset = (
        "import django; django.setup(); from django.core.cache import cache; "
        "from community.selectors import leaderboard as s; "
        "cache.delete_many([s.CACHE_KEY, s.LOCK_KEY, s.COMPUTATIONS_KEY])"
    )
    count = (
        "import django; django.setup(); from community.selectors import leaderboard as s; "
        "print(s.computations())"
    )

    def run(code):
        return subprocess.run(  # noqa: S603
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    assert run(reset).returncode == 0
    start = time.time() + 3
    pollers = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", POLLER, str(start)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    outputs = [poller.communicate(timeout=60) for poller in pollers]
    assert all(poller.returncode == 0 for poller in pollers), [err for _, err in outputs]
    assert len({out.strip() for out, _ in outputs}) == 1
    assert run(count).stdout.strip() == "1"
    run(reset)


def test_the_leaderboard_stays_up_when_the_shared_cache_is_down(tick, settings, client, make_user, make_post):
    tick(1)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    like_add(user=make_user(), model=Post, target_id=make_post(author=make_user("maya")).pk)
    response = client.get("/leaderboard/", **HX)
    assert response.status_code == 200
    assert 'data-username="maya"' in response.content.decode()


def test_while_another_process_computes_the_previous_answer_is_served(tick, slow_aggregate):
    tick(0.3)
    first = shared.current()
    time.sleep(0.35)
    # Another process holds the lock: this one serves what it has, at most a tick overdue...
    assert cache.add(shared.LOCK_KEY, 1, timeout=10)
    assert shared.current() is first
    assert len(slow_aggregate) == 1
    # ...and once the other process has stored the new answer, serves that.
    newer = shared.Answer(entries=(), computed_at=datetime.now(UTC))
    cache.set(shared.CACHE_KEY, newer, timeout=1)
    assert shared.current().computed_at == newer.computed_at
    assert len(slow_aggregate) == 1
