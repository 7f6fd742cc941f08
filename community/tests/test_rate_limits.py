"""Write limits hold exactly under concurrency, across processes, in the database and in Redis."""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from community import ratelimit
from community.tests.helpers import PRODUCTION_ENV, ROOT, needs_redis

# Requests counted at one fixed moment, so the whole burst falls in one window.
MOMENT = 1_700_000_000.0

BURST = """
import sys, threading, time
import django
django.setup()
from django.db import connection
from community import ratelimit

threads, start, moment = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
accepted, failed = [], []
barrier = threading.Barrier(threads)

def request():
    barrier.wait()
    try:
        if ratelimit.hit("comment", 7, now=moment) is None:
            accepted.append(1)
    except Exception as exc:
        failed.append(repr(exc))
    finally:
        connection.close()

workers = [threading.Thread(target=request) for _ in range(threads)]
time.sleep(max(0.0, start - time.time()))
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
if failed:
    sys.exit(f"{len(failed)} requests failed: {failed[0]}")
print(len(accepted))
"""


def _burst(env: dict, *, processes: int = 5, threads: int = 10) -> int:
    """Send processes x threads requests at one instant; how many were accepted."""
    start = time.time() + 3
    runs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", BURST, str(threads), str(start), str(MOMENT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err[-2000:] for _, err in outputs]
    return sum(int(out.strip()) for out, _ in outputs)


def _env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "COMMUNITY_"))
    }
    env.update(
        PRODUCTION_ENV,
        DJANGO_SETTINGS_MODULE="config.settings",
        COMMUNITY_RATE_LIMIT_COMMENT="20/h",
        **extra,
    )
    return env


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="several processes share one PostgreSQL database"
)
def test_fifty_concurrent_requests_from_five_processes_in_the_database(transactional_db):
    """The production default (no CACHE_URL): counters in the database."""
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    assert _burst(_env(DATABASE_URL=url)) == 20


@needs_redis()
def test_fifty_concurrent_requests_from_five_processes_in_redis():
    env = _env(CACHE_URL="redis://127.0.0.1:6379/14")
    flush = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"cache.delete('ratelimit:comment:7:{int(MOMENT // 3600)}')"
    )
    subprocess.run([sys.executable, "-c", flush], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603
    try:
        assert _burst(env) == 20
    finally:
        subprocess.run([sys.executable, "-c", flush], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603


def test_database_counter_counts_one_by_one_and_forgets_past_windows(db, settings):
    settings.COMMUNITY_RATE_LIMITS = {"post": "3/m"}
    assert [ratelimit.hit("post", 1, now=MOMENT) for _ in range(3)] == [None, None, None]
    assert ratelimit.hit("post", 1, now=MOMENT) == 40
    # Another user, another counter.
    assert ratelimit.hit("post", 2, now=MOMENT) is None
    from community.models import RateLimitCounter

    assert RateLimitCounter.objects.get(key__endswith=":1:28333333").count == 4
    # The first request of a later window removes counters whose window is over.
    later = MOMENT + 3600
    assert ratelimit.hit("post", 1, now=later) is None
    assert not RateLimitCounter.objects.filter(key__endswith=":28333333").exists()


def test_limits_hold_in_the_database_while_redis_is_down(db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.COMMUNITY_RATE_LIMITS = {"post": "2/m"}
    assert [ratelimit.hit("post", 1, now=MOMENT) for _ in range(3)] == [None, None, 40]
