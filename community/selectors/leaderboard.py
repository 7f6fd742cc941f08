"""
The live leaderboard, shared by every reader of one tick.

`karma.leaderboard()` is the live aggregate over the like rows. A crowd of
open tabs polls it every few seconds, and running it once per poll made the
cost grow with readers times likes. `current()` runs it at most once per
tick (`COMMUNITY_LEADERBOARD_TICK` seconds; 0 runs it on every call) and
hands the same answer to every caller of that tick:

- The answer is kept in Django's cache, so with a shared cache (the
  database or Redis) all processes share it; with per-process memory, each
  process does. It is stored for no longer than the tick.
- Single flight: when the answer is missing or a tick old, the first caller
  takes a lock in the cache (`cache.add`, atomic on every shared backend)
  and computes. The others do not start a computation of their own: they
  serve their process's previous answer (at most a tick overdue) while it
  runs, or wait for the new one when they have none. Either way a like
  shows as soon as the computation that began after it is stored: within
  one tick and one run of the aggregate.
- When the shared cache is down, each process computes once per tick for
  its own readers, and the page stays up.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from redis.exceptions import RedisError

from . import karma

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises (Redis, or the database cache).
CACHE_ERRORS = (RedisError, DatabaseError)

CACHE_KEY = "community:leaderboard:answer"
LOCK_KEY = "community:leaderboard:lock"
COMPUTATIONS_KEY = "community:leaderboard:computations"
# A computation that takes longer than this is presumed dead (its process
# killed mid-way): its lock lapses and another caller computes.
LOCK_SECONDS = 10
# How often a waiting caller looks for the answer being computed.
WAIT_STEP = 0.01


@dataclass(frozen=True, slots=True)
class Answer:
    """One computation of the leaderboard: its entries and when it was computed."""

    entries: tuple[karma.LeaderboardEntry, ...]
    computed_at: datetime

    @property
    def etag(self) -> str:
        """A strong ETag of what the fragment shows of the entries (not of the time)."""
        digest = hashlib.blake2b(digest_size=12)
        for entry in self.entries:
            digest.update(repr((entry.rank, entry.username, entry.karma, entry.top_items)).encode())
            digest.update(b"\0")
        return f'"{digest.hexdigest()}"'

    def age(self, now: float) -> float:
        return now - self.computed_at.timestamp()


# This process's latest answer, read before the cache within its tick.
_latest: Answer | None = None


def tick() -> float:
    return float(settings.COMMUNITY_LEADERBOARD_TICK)


def compute() -> Answer:
    """Run the live aggregate now."""
    return Answer(entries=tuple(karma.leaderboard()), computed_at=datetime.now(UTC))


def _compute_shared() -> Answer:
    """Run the aggregate for all callers of a tick, and count the run (see `computations`)."""
    answer = compute()
    try:
        cache.incr(COMPUTATIONS_KEY)
    except ValueError:
        cache.add(COMPUTATIONS_KEY, 1, timeout=None)
    return answer


def computations() -> int:
    """How many times the aggregate ran for a tick (not with a tick of 0) since the cache was cleared."""
    return cache.get(COMPUTATIONS_KEY, 0)


def current() -> Answer:
    """The leaderboard as of at most one tick ago, computed once for all callers of a tick."""
    global _latest
    period = tick()
    if period <= 0:
        _latest = compute()
        return _latest
    if _latest is not None and _latest.age(time.time()) < period:
        return _latest
    try:
        _latest = _shared_answer(period)
    except CACHE_ERRORS:
        # The shared cache is down: this process computes for its own
        # readers, once per tick, until it is back.
        logger.warning("Shared cache unavailable; computing the leaderboard in this process", exc_info=True)
        _latest = compute()
    return _latest


def _shared_answer(period: float) -> Answer:
    """This tick's answer from the cache, computed here if no other process is computing it."""
    deadline = time.time() + LOCK_SECONDS
    while True:
        shared = cache.get(CACHE_KEY)
        if shared is not None and shared.age(time.time()) < period:
            return shared
        if cache.add(LOCK_KEY, 1, timeout=LOCK_SECONDS):
            try:
                # Another process may have stored this tick's answer between
                # the read above and the lock.
                shared = cache.get(CACHE_KEY)
                if shared is not None and shared.age(time.time()) < period:
                    return shared
                answer = _compute_shared()
                # Whole seconds: some backends (Redis) keep nothing shorter.
                cache.set(CACHE_KEY, answer, timeout=max(1, math.ceil(period)))
                return answer
            finally:
                cache.delete(LOCK_KEY)
        # Another process is computing this tick's answer. Serve the one
        # this process has while it is at most a tick overdue: a like shows
        # as soon as the new answer is stored either way, and no reader
        # waits behind the aggregate. Without one, wait for the new answer.
        if _latest is not None and _latest.age(time.time()) < 2 * period:
            return _latest
        if time.time() > deadline:
            return _compute_shared()
        time.sleep(WAIT_STEP)


def forget() -> None:
    """Drop the shared and this process's answers (tests, and after changing the tick)."""
    global _latest
    _latest = None
    with contextlib.suppress(*CACHE_ERRORS):
        cache.delete_many([CACHE_KEY, LOCK_KEY])
