"""
Throttling: limits on writes, and log-in lockouts with django-axes.

Write limits are fixed-window counters, one per key (a user, or for
sign-ups a client address), kind of write and window:
`rate_limited("post")` refuses a signed-in user's POST past
settings.COMMUNITY_RATE_LIMITS["post"] (for example "5/m") with 429 and
`Retry-After` until the window ends. Each request adds one to its counter
atomically, in Redis when the cache is Redis and otherwise in the database,
so the limit is exact under concurrency, across any number of processes.
The scopes: "post", "comment", "like", "edit" (changing a post or comment)
per user, and "signup" per client address (`client_ip`).

Log-in throttling is django-axes (configured in settings). This module
supplies the client address it counts by, the handler that gives each
lockout parameter set its own limit (`LoginFailureHandler`) and the 429
page it shows.
"""

from __future__ import annotations

import logging
import math
import re
import time
from datetime import UTC, datetime, timedelta
from functools import wraps

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Max, Sum
from django.utils import timezone
from redis.exceptions import RedisError

from . import errors
from .models import RateLimitCounter

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")

REFUSALS = {
    "post": "You are posting faster than the site allows.",
    "comment": "You are commenting faster than the site allows.",
    "like": "You are liking faster than the site allows.",
    "edit": "You are editing faster than the site allows.",
    "signup": "Too many accounts were created from your address.",
    "password_reset": "Too many password resets were asked for from your address.",
    "password_check": "Your password was asked for too often.",
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
    Count one request by `key` (a user id, or a client address) against the
    `scope` limit.

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
    count = None
    if _cache_is_redis():
        try:
            count = _count_in_redis(counter, expires_at - now)
        except RedisError:
            # Redis is down: the database counts, exactly too, until it is back.
            logger.warning("Redis unavailable; counting write limits in the database", exc_info=True)
    if count is None:
        count = count_in_database(counter, expires_at, now=now)
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


def refusal(request, scope: str, wait: int):
    """The 429 answer to a request past the `scope` limit, `wait` seconds before the next is accepted."""
    return errors.too_many_requests(
        request,
        message=f"{REFUSALS.get(scope, 'Too many requests.')} "
        f"Please wait {_wait_phrase(wait)} and try again.",
        retry_after=wait,
    )


def rate_limited(scope: str):
    """Refuse a signed-in user's POST past the `scope` limit with 429 and Retry-After."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST" and request.user.is_authenticated:
                wait = hit(scope, request.user.pk)
                if wait is not None:
                    return refusal(request, scope, wait)
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


def failure_limit(parameters: dict) -> int:
    """
    The failures one lockout parameter set allows within the cool-off: an
    address alone is shared by everyone behind it (an office, a mobile
    carrier's gateway), so it has a higher limit of its own than an account
    from one address.
    """
    if set(parameters) == {"ip_address"}:
        return settings.COMMUNITY_LOGIN_ADDRESS_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


def recent_failures(request, credentials=None) -> list[tuple[int, int, datetime | None]]:
    """
    For each lockout parameter set of this log-in attempt
    (AXES_LOCKOUT_PARAMETERS: the account from this address, and this address
    alone), the failures recorded within the cool-off, the limit of that set,
    and the time of its last failure; one query per set.
    """
    from axes.helpers import get_client_parameters, get_client_username
    from axes.models import AccessAttempt

    since = (getattr(request, "axes_attempt_time", None) or timezone.now()) - _cool_off()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    parameter_sets = get_client_parameters(
        get_client_username(request, credentials),
        request.axes_ip_address,
        request.axes_user_agent,
        request,
        credentials,
    )
    counts = []
    for parameters in parameter_sets:
        row = recent.filter(**parameters).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        counts.append((row["failures"] or 0, failure_limit(parameters), row["last"]))
    return counts


class LoginFailureHandler(AxesDatabaseHandler):
    """
    django-axes' database handler, with a limit for each lockout parameter
    set (AXES_HANDLER). axes compares the largest count of any set with the
    one AXES_FAILURE_LIMIT; here each set's count is scaled to that limit
    first, so a set reaches it exactly when it reaches its own
    (`failure_limit`). Both of axes' decisions, refusing an attempt before the
    password is hashed and locking at the failure that reaches the limit,
    go through `get_failures`.
    """

    def get_failures(self, request, credentials=None) -> int:
        limit = get_failure_limit(request, credentials)
        scaled = (failures * limit // own for failures, own, _ in recent_failures(request, credentials))
        return max(scaled, default=0)


def lockout_ends(request, credentials=None):
    """
    When this request's lockout ends: the cool-off time after the last
    recorded failure of each parameter set (the account from this address,
    this address alone) that reached its limit, the latest of them.

    Attempts refused during a lockout are not recorded
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT is off), so the time
    given does not move while someone keeps trying.
    """
    cool_off = _cool_off()
    ends = [
        last + cool_off
        for failures, limit, last in recent_failures(request, credentials)
        if failures >= limit
    ]
    return max(ends, default=timezone.now() + cool_off)


def login_lockout_response(request, original_response=None, credentials=None):
    """The 429 page shown instead of the log-in form during a lockout (AXES_LOCKOUT_CALLABLE)."""
    seconds = max(1, math.ceil((lockout_ends(request, credentials) - timezone.now()).total_seconds()))
    minutes = math.ceil(seconds / 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return errors.too_many_requests(
        request, message=f"Too many failed log-in attempts. Try again in {wait}.", retry_after=seconds
    )
