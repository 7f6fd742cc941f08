"""
6. Load through the proxy. The site is served as in production
(``stack``: gunicorn with deploy/gunicorn.conf.py, 3 sync workers, behind
nginx with the server block of deploy/nginx/community.conf.template, on
loopback), with production settings and Redis as the shared cache. The load
generator (``load``: Locust, in a process of its own) sends every request to
nginx, phase after phase:

* the crowd: a thousand tabs polling the leaderboard fragment every 5
  seconds while signed-in people like (and unlike) posts and comment; the
  leaderboard's aggregate should run about once per tick for all of them;
* capacity: tabs alone, at poll rates stepped up until one misses;
* slow clients: connections trickling their headers or bodies while an
  ordinary client polls ``/healthz`` and the feed;
* with ``COMMUNITY_ALLOW_PG_RESTART=1`` only: the PostgreSQL restart check
  (``pg_restart_check``, through nginx too), which restarts the server.

Each phase records the CPU used by gunicorn, nginx, the load generator and
the whole machine. The likes, comments and sessions the run writes are
removed afterwards, so the database ends as it began.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.contrib.staticfiles.finders import get_finders
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string

from community.models import Comment, Like, Post
from community.ratelimit import parse_rate
from community.selectors import leaderboard as shared_leaderboard

from . import stack
from .harness import BASE_DIR, RESULTS_DIR, Bench, BenchmarkError
from .report import ms
from .targets import CAPACITY_P99_MS

GUNICORN_WORKERS = 3
# The run's cache: a Redis database of its own, emptied when the run starts
# (BENCH_CACHE_URL to use another).
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/9"
# Seconds before a request without an answer counts as an error.
TIMEOUT = 10.0

FULL = {
    "crowd": {
        "tabs": 1000,
        "poll_interval": 5.0,
        "likes_per_second": 20.0,
        "comments_per_second": 2.0,
        # Seconds between a person's like and its unlike, and between one
        # simulated writer's actions (benchmarks.load.liker_class).
        "write_pace": 5.0,
        "duration": 60.0,
    },
    # Poll rates, each held for `duration` seconds by tabs polling every `poll_interval`.
    "capacity": {"rates": [200, 400, 800, 1600], "poll_interval": 1.0, "duration": 20.0},
    "slow": {"slow_connections": 200, "trickle_every": 3.0, "probe_interval": 0.25, "duration": 30.0},
}
TINY = {
    "crowd": {
        "tabs": 40,
        "poll_interval": 1.0,
        "likes_per_second": 4.0,
        "comments_per_second": 1.0,
        "write_pace": 1.0,
        "duration": 5.0,
    },
    "capacity": {"rates": [20, 40], "poll_interval": 1.0, "duration": 3.0},
    "slow": {"slow_connections": 20, "trickle_every": 1.0, "probe_interval": 0.25, "duration": 5.0},
}
# A capacity step holds its rate when it serves at least this share of the
# polls asked (tabs wait for their answer, so a slow site gets fewer).
HELD_SHARE = 0.95
COMMENT_MARK = "[bench:load]"
# The load generator's summaries of several kinds together (benchmarks.load.GROUPS).
GROUP_NAMES = ("likes", "probes")


def cache_url() -> str:
    return os.environ.get("BENCH_CACHE_URL") or DEFAULT_CACHE_URL


def preflight() -> None:
    """Fail before the first section, not minutes later, when nginx or Redis is missing."""
    try:
        stack.find_nginx()
    except stack.StackError as exc:
        raise BenchmarkError(f"{exc} Or skip the load section with --no-load.") from exc
    _empty_cache(cache_url())


def run(bench: Bench) -> None:
    shape = TINY if bench.tiny else FULL
    secret = secrets.token_urlsafe(50)
    cache = _empty_cache(cache_url())
    env = {
        **_base_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        # Long-lived workers keep their connection, as in production.
        "DJANGO_CONN_MAX_AGE": "60",
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CACHE_URL": cache_url(),
        "COMMUNITY_TRUSTED_PROXY_COUNT": "1",
    }
    _collect_static(bench, env)
    crowd_shape = shape["crowd"]
    started_at = datetime.now(UTC)
    writes = WritePlan.make(crowd_shape, secret, viewer=bench.viewer, markers=bench.data.markers)
    log_path = RESULTS_DIR / "gunicorn.log"
    details: dict = {"workers": GUNICORN_WORKERS, "cache_url": cache_url(), "timeout_s": TIMEOUT, **shape}
    try:
        with stack.serve(env, workers=GUNICORN_WORKERS, log_path=log_path) as site:
            bench.say(
                f"   nginx at {site.base_url} in front of gunicorn ({GUNICORN_WORKERS} sync workers) at "
                f"{site.upstream_url}; cache {cache_url()}; log {log_path}"
            )
            common = {
                "base_url": site.base_url,
                "timeout": TIMEOUT,
                "leaderboard_path": reverse("community:leaderboard"),
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
            }
            _warm_up(site.base_url, common["leaderboard_path"])
            crowd = run_crowd(bench, site, cache, {**common, **crowd_shape, **writes.plan()})
            capacity = run_capacity(bench, site, common, shape["capacity"])
            slow = run_slow(bench, site, common, shape["slow"], writes.comment_path)
    except stack.StackError as exc:
        raise BenchmarkError(str(exc)) from exc
    finally:
        # The run likes and unlikes in pairs; remove whatever an unfinished pair left,
        # the comments and the sessions.
        removed = writes.clean_up(since=started_at)
    details.update(crowd=crowd, capacity=capacity, slow=slow, cleaned_up=removed)
    restart = run_pg_restart(bench)
    details["pg_restart"] = restart
    bench.details["load"] = details
    bench.figures["load"] = {"crowd": crowd, "capacity": capacity, "slow": slow, "pg_restart": restart}
    if bench.tiny:
        _fail_on_errors(crowd, capacity, slow)


# --- The phases ---------------------------------------------------------------


def run_crowd(bench: Bench, site: stack.Stack, cache: RedisCache, plan: dict) -> dict:
    before = _computations(cache)
    result = run_phase(site, {"phase": "crowd", **plan})
    ran = _computations(cache) - before
    result.update({key: plan[key] for key in FULL["crowd"]})
    tick = float(settings.COMMUNITY_LEADERBOARD_TICK)
    result["aggregate"] = {
        "computations": ran,
        "tick_s": tick,
        "ticks": math.ceil(plan["duration"] / tick) if tick > 0 else None,
    }
    kinds = result["kinds"]
    board = kinds.get("leaderboard", _nothing())
    likes, comments = kinds.get("likes", _nothing()), kinds.get("comment", _nothing())
    duration = plan["duration"]
    bench.row(
        f"Load: {plan['tabs']:,} tabs polling every {plan['poll_interval']:g} s, via nginx",
        note=f"{board['requests']:,} polls ({board['per_second']}/s), "
        f"{board['statuses'].get('304', 0):,} answered 304, {board['errors']} errors, "
        f"p99 {ms(board['p99_ms'])}",
        p50_ms=board["p50_ms"],
        p95_ms=board["p95_ms"],
    )
    like, unlike = kinds.get("like", _nothing()), kinds.get("unlike", _nothing())
    bench.row(
        f"Load: {plan['likes_per_second']:g} likes/s meanwhile (unliked {plan['write_pace']:g} s later)",
        note=f"{like['requests']:,} likes ({like['per_second']}/s) and {unlike['requests']:,} unlikes, "
        f"{likes['errors']} errors, "
        f"p99 {ms(likes['p99_ms'])} (likes {ms(like['p99_ms'])}, unlikes {ms(unlike['p99_ms'])})",
        p50_ms=likes["p50_ms"],
        p95_ms=likes["p95_ms"],
    )
    bench.row(
        f"Load: {plan['comments_per_second']:g} comments/s meanwhile",
        note=f"{comments['requests']:,} comments ({comments['per_second']}/s), {comments['errors']} errors, "
        f"p99 {ms(comments['p99_ms'])}",
        p50_ms=comments["p50_ms"],
        p95_ms=comments["p95_ms"],
    )
    aggregate = result["aggregate"]
    bench.row(
        "  the leaderboard's aggregate meanwhile",
        note=f"ran {ran} times in {duration:g} s (tick {tick:g} s), "
        f"for {board['requests']:,} polls; counted in {cache_url()}",
        computations=aggregate["computations"],
    )
    bench.row("  CPU meanwhile", note=cpu_note(result["cpu"]) + workers_note(result))
    return result


def run_capacity(bench: Bench, site: stack.Stack, common: dict, shape: dict) -> dict:
    steps = []
    held = None
    for rate in shape["rates"]:
        tabs = round(rate * shape["poll_interval"])
        result = run_phase(
            site,
            {
                "phase": "crowd",
                **common,
                "tabs": tabs,
                "poll_interval": shape["poll_interval"],
                "duration": shape["duration"],
            },
        )
        polls = result["kinds"].get("leaderboard", _nothing())
        achieved = polls["requests"] / shape["duration"]
        ok = (
            polls["errors"] == 0
            and polls["p99_ms"] is not None
            and polls["p99_ms"] < CAPACITY_P99_MS
            and achieved >= HELD_SHARE * rate
        )
        step = {"rate": rate, "tabs": tabs, "achieved_per_second": round(achieved, 1), "held": ok, **result}
        steps.append(step)
        bench.row(
            f"Capacity: {rate:,} polls/s ({tabs:,} tabs every {shape['poll_interval']:g} s)",
            note=f"{achieved:,.0f}/s served, {polls['errors']} errors, p99 {ms(polls['p99_ms'])}; "
            f"{cpu_note(result['cpu'])}{workers_note(result)}",
            p50_ms=polls["p50_ms"],
            p95_ms=polls["p95_ms"],
        )
        if not ok:
            # Higher rates would only queue more: the step that missed ends the climb.
            break
        held = rate
    bench.row(
        "  highest poll rate held",
        note=(
            f"{held:,}/s (p99 < {CAPACITY_P99_MS} ms, 0 errors, "
            f"at least {HELD_SHARE:.0%} of the polls served)"
            if held
            else f"none of {shape['rates'][0]:,}/s and up"
        ),
    )
    return {"steps": steps, "highest_held_per_second": held, **shape}


def run_slow(bench: Bench, site: stack.Stack, common: dict, shape: dict, body_path: str) -> dict:
    plan = {
        "phase": "slow",
        **common,
        **shape,
        "slow_header_path": "/",
        "slow_body_path": body_path,
        "probe_paths": [["healthz", reverse("community:healthz")], ["feed", reverse("community:feed")]],
    }
    result = run_phase(site, plan)
    probes = result["kinds"].get("probes", _nothing())
    trickle = result["trickle"]
    headers, body = trickle["headers"], trickle["body"]
    bench.row(
        f"Slow clients: {shape['slow_connections']} trickling for {shape['duration']:g} s, via nginx",
        note=f"{probes['requests']} requests to /healthz and the feed meanwhile, {probes['errors']} errors, "
        f"p99 {ms(probes['p99_ms'])}; header trickles: {headers['opened']} connections, "
        f"{headers['closed_by_server']} closed by nginx (longest held {headers['longest_held_s']} s); "
        f"body trickles: {body['opened']} connections, {body['held_to_end']} held to the end",
        p50_ms=probes["p50_ms"],
        p95_ms=probes["p95_ms"],
    )
    return result


def run_pg_restart(bench: Bench) -> dict | None:
    """The PostgreSQL restart check through nginx, only when COMMUNITY_ALLOW_PG_RESTART=1."""
    if os.environ.get("COMMUNITY_ALLOW_PG_RESTART") != "1":
        bench.row(
            "PostgreSQL restart, via nginx",
            note="not run: it restarts the server (COMMUNITY_ALLOW_PG_RESTART=1 to run it)",
        )
        return None
    admin = {**connection.settings_dict, "NAME": "postgres"}
    connection.close()
    started = time.monotonic()
    completed = subprocess.run(  # noqa: S603
        [sys.executable, str(BASE_DIR / "benchmarks" / "pg_restart_check.py")],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": _database_url(admin)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    bench.wait_for_database()
    after = re.search(r"after the restart: (\{.*\})", completed.stdout)
    result = {
        "passed": completed.returncode == 0,
        "returncode": completed.returncode,
        "after": after.group(1) if after else None,
        "seconds": round(time.monotonic() - started, 1),
        "output": (completed.stdout + completed.stderr)[-4000:],
    }
    bench.row(
        "PostgreSQL restart, via nginx",
        note=f"{'no failed request' if result['passed'] else 'FAILED'} after the restart: "
        f"statuses {result['after']}; {result['seconds']} s",
    )
    return result


def run_phase(site: stack.Stack, plan: dict) -> dict:
    """One phase of the load generator in its own process, with the CPU each part used meanwhile."""
    site_before, boots_before = site.cpu(), site.worker_boots()
    busy_before, all_before = stack.machine_cpu_seconds()
    started = time.monotonic()
    result = _run_load(plan)
    wall = time.monotonic() - started
    site_after = site.cpu()
    busy_after, all_after = stack.machine_cpu_seconds()
    result["cpu"] = {
        "gunicorn_s": round(site_after["gunicorn"] - site_before["gunicorn"], 2),
        "nginx_s": round(site_after["nginx"] - site_before["nginx"], 2),
        # Locust's own, while its users ran (its start-up is not counted).
        "load_tool_s": result.pop("cpu_s"),
        "load_tool_wall_s": result["wall_s"],
        "machine_busy_s": round(busy_after - busy_before, 2),
        "machine_cores": round((all_after - all_before) / wall) if wall else None,
        "wall_s": round(wall, 2),
    }
    result["workers_replaced"] = site.worker_boots() - boots_before
    return result


def cpu_note(cpu: dict) -> str:
    wall = cpu["load_tool_wall_s"] or 1
    site = cpu["gunicorn_s"] + cpu["nginx_s"]
    return (
        f"CPU: gunicorn {cpu['gunicorn_s']:.1f} s + nginx {cpu['nginx_s']:.1f} s "
        f"({site / wall:.2f} cores), "
        f"Locust {cpu['load_tool_s']:.1f} s ({cpu['load_tool_s'] / wall:.2f} cores), "
        f"machine {cpu['machine_busy_s'] / cpu['wall_s']:.2f} of {cpu['machine_cores']} cores busy"
    )


def workers_note(result: dict) -> str:
    replaced = result["workers_replaced"]
    return (
        f"; {replaced} gunicorn worker{'s' if replaced != 1 else ''} replaced meanwhile" if replaced else ""
    )


# --- What the signed-in people write ---------------------------------------------


class WritePlan:
    """
    The likes and comments of the crowd phase, by people whose sessions are
    written directly (signed with the server's secret key): each like pair
    is a person and a post the person has not liked, liked and unliked a
    second later, and no person comes near a write limit.
    """

    def __init__(self, *, likes, comments, sessions, likers, commenters, comment_path):
        self.likes = likes
        self.comments = comments
        self.sessions = sessions
        self.likers = likers
        self.commenters = commenters
        self.comment_path = comment_path

    @classmethod
    def make(cls, shape: dict, secret: str, *, viewer, markers) -> WritePlan:
        duration = shape["duration"]
        like_pairs = (
            math.ceil(shape["likes_per_second"] * duration) + 2 * math.ceil(shape["likes_per_second"]) + 5
        )
        comment_count = (
            math.ceil(shape["comments_per_second"] * duration) + math.ceil(shape["comments_per_second"]) + 5
        )
        people = list(
            get_user_model()
            .objects.filter(is_superuser=False, is_active=True)
            .exclude(pk=viewer.pk)
            .order_by("id")
        )
        _check_limits(people, like_pairs=like_pairs, comments=comment_count, duration=duration)
        special = {markers.big_thread_post_id, markers.chain_post_id} if markers else set()
        posts = list(Post.objects.newest_first().exclude(pk__in=special).values_list("id", "author_id")[:200])
        if not posts:
            raise BenchmarkError("The load run needs posts to like and comment on.")
        pairs = _like_pairs(people, posts, like_pairs)
        likers = [person for person, _ in pairs]
        # Commenters from the other end of the list: other people than the first likers.
        commenters = [people[-1 - i % len(people)] for i in range(comment_count)]
        sessions = _sessions({p.pk: p for p in likers + commenters}.values(), secret)
        likes = [
            {
                "like": reverse("community:post_like", args=[post_id]),
                "unlike": reverse("community:post_unlike", args=[post_id]),
                "session": sessions[person.pk],
                "csrf": get_random_string(32),
            }
            for person, post_id in pairs
        ]
        comment_posts = [post_id for post_id, _ in posts[:20]]
        comments = [
            {
                "path": reverse("community:comment_create", args=[comment_posts[i % len(comment_posts)]]),
                "session": sessions[person.pk],
                "csrf": get_random_string(32),
                "content": f"{COMMENT_MARK} A comment from the load run, number {i + 1}.",
            }
            for i, person in enumerate(commenters)
        ]
        return cls(
            likes=likes,
            comments=comments,
            sessions=list(sessions.values()),
            likers={p.pk for p in likers},
            commenters={p.pk for p in commenters},
            comment_path=reverse("community:comment_create", args=[comment_posts[0]]),
        )

    def plan(self) -> dict:
        return {"likes": self.likes, "comments": self.comments}

    def clean_up(self, *, since: datetime) -> dict:
        likes, _ = Like.objects.filter(created_at__gte=since, user_id__in=self.likers).delete()
        comments, _ = Comment.objects.filter(
            created_at__gte=since, author_id__in=self.commenters, content__startswith=COMMENT_MARK
        ).delete()
        sessions, _ = Session.objects.filter(session_key__in=self.sessions).delete()
        return {"likes": likes, "comments": comments, "sessions": sessions}


def _check_limits(people, *, like_pairs: int, comments: int, duration: float) -> None:
    # A like and its unlike both count against the like limit.
    for scope, writes in (("like", 2 * like_pairs), ("comment", comments)):
        rate = settings.COMMUNITY_RATE_LIMITS.get(scope)
        if not rate or not people:
            continue
        limit, period = parse_rate(rate)
        windows = math.ceil(duration / period) + 1
        per_person = math.ceil(writes / len(people))
        if per_person > limit * windows:
            raise BenchmarkError(
                f"{len(people)} people cannot write {writes} {scope}s in {duration:g} s within {rate} each."
            )


def _like_pairs(people, posts, count: int) -> list:
    """`count` (person, post id) pairs, a person per pair as far as people go, none liked already."""
    post_type = ContentType.objects.get_for_model(Post)
    liked = set(
        Like.objects.filter(target_type=post_type, target_id__in=[p for p, _ in posts]).values_list(
            "user_id", "target_id"
        )
    )
    pairs = []
    for index in range(count * 4):
        person = people[index % len(people)]
        for offset in range(len(posts)):
            post_id, author_id = posts[(index + offset) % len(posts)]
            if author_id != person.pk and (person.pk, post_id) not in liked:
                liked.add((person.pk, post_id))
                pairs.append((person, post_id))
                break
        if len(pairs) == count:
            return pairs
    raise BenchmarkError(f"Found only {len(pairs)} of {count} posts to like for the load run.")


def _sessions(people, secret: str) -> dict[int, str]:
    """A signed-in session for each of `people`, as the server with `secret` would write it, in one insert."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        raise BenchmarkError(
            f"The load run writes sessions to the database, not to {settings.SESSION_ENGINE}."
        )
    backend = next(
        (b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")),
        settings.AUTHENTICATION_BACKENDS[-1],
    )
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sessions, rows = {}, []
    with override_settings(SECRET_KEY=secret):
        store = SessionStore()
        for person in people:
            key = get_random_string(32, VALID_KEY_CHARS)
            data = {
                SESSION_KEY: str(person.pk),
                BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: person.get_session_auth_hash(),
            }
            rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
            sessions[person.pk] = key
    Session.objects.bulk_create(rows)
    return sessions


# --- Plumbing ---------------------------------------------------------------------


def _empty_cache(url: str) -> RedisCache:
    cache = RedisCache(url, {})
    try:
        cache.clear()
    except Exception as exc:  # redis-py raises its own ConnectionError
        raise BenchmarkError(
            f"The load run needs Redis at {url} (BENCH_CACHE_URL to use another): {exc}"
        ) from exc
    return cache


def _computations(cache: RedisCache) -> int:
    return int(cache.get(shared_leaderboard.COMPUTATIONS_KEY, 0))


def _warm_up(base_url: str, leaderboard_path: str) -> None:
    # Each worker imports and compiles on its first requests; the crowd should not pay for that.
    for _ in range(3 * GUNICORN_WORKERS):
        for path in (leaderboard_path, reverse("community:feed")):
            status = stack.http_status(base_url + path, timeout=TIMEOUT)
            if status != 200:
                raise BenchmarkError(
                    f"GET {path} through nginx answered {status} before the load began; "
                    f"see {RESULTS_DIR / 'gunicorn.log'}."
                )


def _nothing() -> dict:
    return {
        "requests": 0,
        "errors": 0,
        "statuses": {},
        "per_second": 0,
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
    }


def _fail_on_errors(crowd: dict, capacity: dict, slow: dict) -> None:
    """The tiny run is CI's: any failed request there means the benchmark or the site broke."""
    phases = [
        ("crowd", crowd["kinds"], ("leaderboard", "like", "unlike", "comment")),
        ("slow clients", slow["kinds"], ("healthz", "feed")),
        *((f"capacity {step['rate']}/s", step["kinds"], ("leaderboard",)) for step in capacity["steps"]),
    ]
    failures = []
    for phase, kinds, expected in phases:
        failures += [f"{phase}: no {name} request was made" for name in expected if name not in kinds]
        failures += [
            f"{phase}: {kind['errors']} of {kind['requests']} {name} requests failed "
            f"{kind['error_samples'][:3]}"
            for name, kind in kinds.items()
            if kind["errors"] and name not in GROUP_NAMES
        ]
    if failures:
        raise BenchmarkError("The tiny load run failed: " + "; ".join(failures))


def _run_load(plan: dict) -> dict:
    """Run benchmarks.load on `plan` in its own process and return its result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    try:
        completed = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "benchmarks.load", handle.name],
            cwd=BASE_DIR,
            env=_base_env(),
            capture_output=True,
            text=True,
            timeout=plan["duration"] + 4 * TIMEOUT + 60,
            check=False,
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
    if completed.returncode != 0:
        raise BenchmarkError(f"The load generator failed: {completed.stderr.strip()[-2000:]}")
    result = json.loads(completed.stdout)
    if completed.stderr.strip():
        result["stderr"] = completed.stderr.strip()[-2000:]
    return result


def _collect_static(bench: Bench, env) -> None:
    # A manifest from before a static file was added or changed would make
    # every page that links that file answer 500; collecting afresh
    # compresses every file again, which takes a minute or two here.
    if static_files_collected():
        return
    bench.say("   collectstatic (static files changed since they were last collected)")
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


def static_files_collected() -> bool:
    """Whether STATIC_ROOT's manifest names every static file, each no newer than the manifest."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    try:
        known = json.loads(manifest.read_text()).get("paths", {})
    except (OSError, ValueError):
        return False
    collected_at = manifest.stat().st_mtime
    for finder in get_finders():
        # collectstatic's default ignore patterns.
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            if path not in known or storage.get_modified_time(path).timestamp() > collected_at:
                return False
    return True


def _base_env() -> dict:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV", "PYTHONPATH", "TMPDIR")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    # Rate limits and other settings the site reads from the environment.
    env.update(
        {key: value for key, value in os.environ.items() if key.startswith(("COMMUNITY_", "DATABASE_"))}
    )
    return env


def _database_url(settings_dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
