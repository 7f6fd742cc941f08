"""
6. The load run: the site under gunicorn with production settings on a free
loopback port, and the load generator (``benchmarks.load``) in a process of
its own: browser tabs polling the leaderboard while signed-in users like and
unlike posts.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse
from django.utils.crypto import get_random_string

from community.models import Like, Post

from .harness import BASE_DIR, HTMX, RESULTS_DIR, Bench, BenchmarkError
from .report import ms

# The load run and its tiny version for CI.
FULL_LOAD = {"tabs": 200, "poll_interval": 5.0, "likes_per_second": 5.0, "duration": 60.0}
TINY_LOAD = {"tabs": 5, "poll_interval": 1.0, "likes_per_second": 5.0, "duration": 3.0}
GUNICORN_WORKERS = 3
GUNICORN_APP = "config.wsgi:application"


def run(bench: Bench) -> None:
    shape = TINY_LOAD if bench.tiny else FULL_LOAD
    secret = secrets.token_urlsafe(50)
    env = {
        **_base_env(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": _database_url(connection.settings_dict),
    }
    _collect_static(bench, env)
    actions, sessions = like_plan(shape, secret, viewer=bench.viewer)
    port = _free_port()
    log_path = RESULTS_DIR / "gunicorn.log"
    RESULTS_DIR.mkdir(exist_ok=True)
    load_started = datetime.now(UTC)
    try:
        with _gunicorn(env, port, log_path) as base_url:
            bench.say(f"   gunicorn: {GUNICORN_WORKERS} sync workers at {base_url}, log {log_path}")
            for _ in range(3 * GUNICORN_WORKERS):
                _http_get(port, "/leaderboard/", HTMX)
            plan = {
                "base_url": base_url,
                "leaderboard_path": reverse("community:leaderboard"),
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "likes": actions,
                **shape,
            }
            result = _run_load(plan, shape["duration"])
    finally:
        # The run likes and unlikes in pairs; remove whatever an error left.
        Like.objects.filter(
            created_at__gte=load_started, user_id__in=[a["user_id"] for a in actions]
        ).delete()
        Session.objects.filter(session_key__in=sessions).delete()
    bench.figures["load"] = result
    bench.details["load"] = {**result, "workers": GUNICORN_WORKERS, **shape}
    board, likes = result["leaderboard"], result["likes"]
    bench.row(
        f"Load: {shape['tabs']} tabs polling every {shape['poll_interval']:.0f} s",
        queries=None,
        note=f"{board['requests']} requests, {board['errors']} errors, "
        f"p50 {ms(board['p50_ms'])}, p99 {ms(board['p99_ms'])}",
        p50_ms=board["p50_ms"],
        p95_ms=board["p95_ms"],
    )
    bench.row(
        f"Load: {shape['likes_per_second']:.0f} likes/s meanwhile",
        queries=None,
        note=f"{likes['requests']} requests, {likes['errors']} errors, "
        f"p50 {ms(likes['p50_ms'])}, p99 {ms(likes['p99_ms'])}; "
        f"{result['requests_per_second']} requests/s in all over {result['duration_s']} s",
        p50_ms=likes["p50_ms"],
        p95_ms=likes["p95_ms"],
    )


def like_plan(shape: dict, secret: str, *, viewer) -> tuple[list[dict], list[str]]:
    """
    Like actions for the load run: each of many users likes one recent
    post and unlikes it a little later, so no user comes near a
    per-user rate limit and the likes table ends as it began.
    Sessions are written directly, signed with the server's secret key.
    """
    User = get_user_model()
    count = int(shape["duration"] * shape["likes_per_second"]) + 10
    pairs_needed = (count + 1) // 2
    posts = list(Post.objects.newest_first().values_list("id", "author_id")[:50])
    users = list(User.objects.filter(is_superuser=False).exclude(pk=viewer.pk).order_by("-id"))
    liked = set(
        Like.objects.filter(
            target_type=ContentType.objects.get_for_model(Post), target_id__in=[p for p, _ in posts]
        ).values_list("user_id", "target_id")
    )
    pairs = []
    for index, user in enumerate(users):
        for offset in range(len(posts)):
            post_id, author_id = posts[(index + offset) % len(posts)]
            if author_id != user.pk and (user.pk, post_id) not in liked:
                pairs.append((user, post_id))
                break
        if len(pairs) == pairs_needed:
            break
    backend = next(
        (b for b in settings.AUTHENTICATION_BACKENDS if b.endswith("ModelBackend")),
        settings.AUTHENTICATION_BACKENDS[-1],
    )
    sessions = {}
    with override_settings(SECRET_KEY=secret):
        for user, _ in pairs:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = backend
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            sessions[user.pk] = store.session_key
    # Each pair is liked, then unliked five pairs (about two seconds) later.
    actions = []
    for start in range(0, len(pairs), 5):
        chunk = pairs[start : start + 5]
        for verb in ("post_like", "post_unlike"):
            for user, post_id in chunk:
                actions.append(
                    {
                        "path": reverse(f"community:{verb}", args=[post_id]),
                        "session": sessions[user.pk],
                        "csrf": get_random_string(32),
                        "user_id": user.pk,
                    }
                )
    return actions[:count], list(sessions.values())


def _collect_static(bench: Bench, env) -> None:
    if (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
        return
    bench.say("   collectstatic (first load run on this checkout)")
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_get(port: int, path: str, headers=None) -> int:
    conn = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@contextmanager
def _gunicorn(env, port, log_path):
    """Serve the site with gunicorn's sync workers on loopback for the duration of the block."""
    with open(log_path, "w") as log:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                GUNICORN_APP,
                "--workers",
                str(GUNICORN_WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise BenchmarkError(f"gunicorn exited with {process.returncode}; see {log_path}.")
                try:
                    if _http_get(port, reverse("community:healthz")) == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchmarkError(f"gunicorn did not answer within 30 s; see {log_path}.")
                time.sleep(0.2)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _run_load(plan: dict, duration: float) -> dict:
    """Run benchmarks.load in its own process and return its summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(plan, handle)
    try:
        completed = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "benchmarks.load", handle.name],
            cwd=BASE_DIR,
            env=_base_env(),
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    finally:
        Path(handle.name).unlink(missing_ok=True)
    if completed.returncode != 0:
        raise BenchmarkError(f"The load generator failed: {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout)
