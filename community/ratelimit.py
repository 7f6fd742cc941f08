"""
Throttling: per-user limits on writes, and the answers django-axes gives.

Write limits are fixed-window counters, one per user, kind of write and
window: `rate_limited("post")` refuses a POST past
settings.COMMUNITY_RATE_LIMITS["post"] (for example "5/m") with 429 and
`Retry-After` until the window ends. Each request adds one to its counter
atomically, in Redis when the cache is Redis and otherwise in the database,
so the limit is exact under concurrency, across any number of processes.

Log-in throttling is django-axes (configured in settings); this module
supplies the client address it counts by and the 429 page it shows.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone

from . import errors
from .models import RateLimitCounter

PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

REFUSALS = {
    "post": "You are posting faster than the site allows.",
    "comment": "You are commenting faster than the site allows.",
    "like": "You are liking faster than the site allows.",
}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/m" -> (5, 60): at most 5 requests per 60 seconds. "10/5m" is 10 per 5 minutes."""
    match = RATE_PATTERN.match(rate or "")
    if match is None:
        raise ImproperlyConfigured(f"A rate limit looks like '5/m' or '100/h', not {rate!r}.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * PERIODS[unit]


def hit(scope: str, key, *, now: float | None = None) -> int | None:
    """
    Count one request by `key` (a user id) against the `scope` limit.

    Returns None when the request is within the limit, otherwise the seconds
    until the current window ends and requests are accepted again. A scope
    with no rate in settings is not limited.
    """
    rate = settings.COMMUNITY_RATE_LIMITS.get(scope)
    if not rate:
        return None
    limit, period = parse_rate(rate)
    now = time.time() if now is None else now
    window = int(now // period)
    counter = f"ratelimit:{scope}:{key}:{window}"
    expires_at = (window + 1) * period
    count = (
        _count_in_redis(counter, expires_at - now)
        if _cache_is_redis()
        else count_in_database(counter, expires_at, now=now)
    )
    if count <= limit:
        return None
    return max(1, math.ceil(expires_at - now))


def _cache_is_redis() -> bool:
    return isinstance(caches["default"], RedisCache)


def _count_in_redis(counter: str, seconds_left: float) -> int:
    """Redis: SET NX then INCR, each atomic, so concurrent requests get distinct counts."""
    timeout = math.ceil(seconds_left) + 1
    if cache.add(counter, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(counter)
    except ValueError:  # expired between add() and incr()
        return 1 if cache.add(counter, 1, timeout=timeout) else cache.incr(counter)


def count_in_database(counter: str, expires_at: float, *, now: float) -> int:
    """
    Add one to `counter` in the database and return the new count, with one
    atomic statement (INSERT ... ON CONFLICT DO UPDATE ... RETURNING): two
    requests can never read the same count, whatever the number of
    processes. Django's database cache cannot be used for this: its incr()
    reads, then writes.
    """
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    expires = adapt(datetime.fromtimestamp(expires_at, tz=UTC))
    sql = (
        f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608 (a quoted table name)
        f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [counter, expires])
        count = cursor.fetchone()[0]
    if count == 1:
        # A new window: counters of windows that are over go.
        RateLimitCounter.objects.filter(expires_at__lte=datetime.fromtimestamp(now, tz=UTC)).delete()
    return count


def _wait_phrase(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def rate_limited(scope: str):
    """Refuse a signed-in user's POST past the `scope` limit with 429 and Retry-After."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                wait = hit(scope, request.user.pk)
                if wait is not None:
                    return errors.too_many_requests(
                        request,
                        message=f"{REFUSALS.get(scope, 'Too many requests.')} "
                        f"Please wait {_wait_phrase(wait)} and try again.",
                        retry_after=wait,
                    )
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- django-axes --------------------------------------------------------------


def client_ip(request) -> str | None:
    """
    The address log-in failures are counted by (AXES_CLIENT_IP_CALLABLE).

    Behind N trusted proxies (COMMUNITY_TRUSTED_PROXY_COUNT) the client is
    the Nth address from the right of X-Forwarded-For: each proxy appends
    the address it received the request from, and anything further left
    was written by the client and can be forged. Without proxies it is the
    connection's own address.
    """
    proxies = settings.COMMUNITY_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def _cool_off() -> timedelta:
    cool_off = settings.AXES_COOLOFF_TIME
    return cool_off if isinstance(cool_off, timedelta) else timedelta(hours=cool_off)


def lockout_ends(request, credentials=None):
    """
    When the lockout of this request's username or address ends: the cool-off
    time after the last recorded failure of whichever of the two is locked.

    Attempts refused during a lockout are not recorded
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off), so the time
    given does not move while someone keeps trying.
    """
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    cool_off = _cool_off()
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - cool_off)
    ends = []
    by = {"username": get_client_username(request, credentials), "ip_address": request.axes_ip_address}
    for field, value in by.items():
        if value is None:
            continue
        row = recent.filter(**{field: value}).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if row["failures"] and row["failures"] >= settings.AXES_FAILURE_LIMIT:
            ends.append(row["last"] + cool_off)
    return max(ends, default=now + cool_off)


def login_lockout_response(request, original_response=None, credentials=None):
    """The 429 page shown instead of the log-in form during a lockout (AXES_LOCKOUT_CALLABLE)."""
    seconds = max(1, math.ceil((lockout_ends(request, credentials) - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return errors.too_many_requests(
        request, message=f"Too many failed log-in attempts. Try again in {wait}.", retry_after=seconds
    )
