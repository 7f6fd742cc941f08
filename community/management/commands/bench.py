"""
Benchmark the site at community scale: ``manage.py bench`` (``make bench``).

Prepares the database (see ``benchmarks.dataset``), then measures in one
run: the feed, post pages with 200 and 5,000 comments, a 5,000-deep reply
chain followed page by page, the leaderboard against its raw-SQL floor, the
comment fetch against its floor, the like toggle, a load run under gunicorn
and a "viral day" leaderboard. Prints a table and each target as PASS or
MISS, writes a JSON file and the figures in docs/benchmarks.md. It reports;
it never fails because a target is missed, only when the site errs.

``--tiny`` runs everything on a small dataset in a database of its own
(community_bench_tiny) in seconds, so CI keeps the code working.
"""

import html
import json
import logging
import os
import re
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
from unittest import mock
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError, connection, connections
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils.crypto import get_random_string

from benchmarks import dataset as datasets
from benchmarks import floors
from benchmarks.measure import Timing, captured_queries, time_calls
from benchmarks.report import Target, machine, table_lines, update_docs, write_json
from community import selectors, views
from community.models import Comment, Like, Post

BASE_DIR = Path(settings.BASE_DIR)
RESULTS_DIR = BASE_DIR / "bench-results"
DOCS_PATH = BASE_DIR / "docs" / "benchmarks.md"

HTMX = {"HX-Request": "true"}
CONTINUE_LINK = re.compile(r'<li class="continue-thread[^"]*"><a href="([^"]+)"')
# What a signed-in request costs when anything reads request.user: the
# session row, then the user row.
AUTH_QUERIES = 2
SESSION_OR_USER_QUERY = re.compile(
    r'FROM "django_session"|FROM "auth_user" WHERE "auth_user"\."id" = \d+ LIMIT'
)

# The load run and its tiny version for CI.
FULL_LOAD = {"tabs": 200, "poll_interval": 5.0, "likes_per_second": 5.0, "duration": 60.0}
TINY_LOAD = {"tabs": 5, "poll_interval": 1.0, "likes_per_second": 5.0, "duration": 3.0}
GUNICORN_WORKERS = 3
GUNICORN_APP = "config.wsgi:application"
# Likes inside the 24-hour window on the viral day, seeded ones included.
FULL_VIRAL_WINDOW_LIKES = 1_200_000
TINY_VIRAL_WINDOW_LIKES = 8_000


class DatabaseGone(Exception):
    """The site answered 503: the database restarted or is unreachable."""


class Command(BaseCommand):
    help = (
        "Benchmark feed, threads, leaderboard, likes and a load run on PostgreSQL at community scale; "
        "print PASS/MISS per target, write JSON and docs/benchmarks.md."
    )
    # Checks would build the template engine before DEBUG is turned off.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--tiny",
            action="store_true",
            help=f"Seed (or reuse) a tiny dataset in the database {datasets.TINY_DATABASE} on the same "
            "server and run every measurement briefly (CI).",
        )
        parser.add_argument("--no-docs", action="store_true", help="Do not update docs/benchmarks.md.")
        parser.add_argument("--no-load", action="store_true", help="Skip the load run under gunicorn.")
        parser.add_argument(
            "--runs", type=int, default=None, help="Timed runs per measurement (default 30, 3 with --tiny)."
        )
        parser.add_argument(
            "--json", type=Path, default=None, help="Where to write the results (default bench-results/)."
        )
        parser.add_argument(
            "--reseed", action="store_true", help="Seed the benchmark database afresh even if it is usable."
        )

    def handle(self, *args, **options):
        self.tiny = options["tiny"]
        self.runs = options["runs"] or (3 if self.tiny else 30)
        if self.runs < 1:
            raise CommandError("--runs must be at least 1.")
        self.rows: list[dict] = []
        self.details: dict = {}

        begun = time.monotonic()
        try:
            data = datasets.prepare(tiny=self.tiny, reseed=options["reseed"], out=self.say)
        except datasets.DatasetError as exc:
            raise CommandError(str(exc)) from exc
        self.data = data
        if data.markers is None:
            raise CommandError("seed_bench left no benchmark markers; cannot find the big thread and chain.")
        self.say(
            f"Data: {data.counts}, {data.window_likes:,} likes in the last 24 hours "
            f"(database {data.database})."
        )

        started = time.monotonic()
        self.configure_in_process()
        self.viewer = get_user_model().objects.filter(is_superuser=False).order_by("id").first()
        self.client = self.signed_in_client(self.viewer)

        self.section("Feed", self.bench_feed)
        self.section("Post pages", self.bench_posts)
        self.section("Deep chain", self.bench_chain)
        self.section("Leaderboard", self.bench_leaderboard)
        self.section("Like toggle", self.bench_like)
        if options["no_load"]:
            self.say("Load run skipped (--no-load).")
        else:
            self.section("Load run under gunicorn", self.bench_load)
        self.section("Viral day", self.bench_viral)
        self.sign_out(self.client)

        finished = datetime.now(UTC)
        results = {
            "meta": {
                "command": "manage.py bench" + (" --tiny" if self.tiny else ""),
                "tiny": self.tiny,
                "runs": self.runs,
                "finished_at": finished.isoformat(),
                "wall_seconds": round(time.monotonic() - started, 1),
                "total_seconds": round(time.monotonic() - begun, 1),
                "machine": machine(),
                "rate_limits": getattr(settings, "COMMUNITY_RATE_LIMITS", None),
            },
            "dataset": data.as_dict(),
            "rows": self.rows,
            "details": self.details,
        }
        targets = self.judge()
        results["targets"] = [t.as_dict() for t in targets]
        self.print_results(results)

        path = options["json"] or RESULTS_DIR / (
            f"bench-{'tiny-' if self.tiny else ''}{finished:%Y%m%d-%H%M%S}.json"
        )
        write_json(path, results)
        self.say(f"\nResults: {path}")
        if self.tiny or options["no_docs"]:
            self.say("docs/benchmarks.md not updated (tiny run or --no-docs).")
        elif update_docs(DOCS_PATH, results):
            self.say(f"Figures written to {DOCS_PATH.relative_to(BASE_DIR)}.")
        else:
            self.stderr.write(f"{DOCS_PATH} has no results markers; figures not written there.")

    # --- Plumbing ---------------------------------------------------------

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def section(self, title: str, bench) -> None:
        # Other work on the machine skews every figure: the load average
        # before and after each section says how quiet it was.
        before = os.getloadavg()[0]
        self.say(f"\n== {title} (load average {before:.1f})")
        started = time.monotonic()
        rows = len(self.rows)
        for attempt in (1, 2):
            # A connection left over from before a database restart would
            # fail the first query; a fresh one costs a millisecond.
            connections.close_all()
            try:
                bench()
                break
            except (DatabaseGone, OperationalError, InterfaceError) as exc:
                if attempt == 2:
                    raise CommandError(f"{title}: the database went away twice ({exc}).") from exc
                self.say(f"   the database went away ({exc}); waiting for it and measuring again")
                del self.rows[rows:]
                self.wait_for_database()
        after = os.getloadavg()[0]
        self.details.setdefault("load_average", {})[title] = [round(before, 2), round(after, 2)]
        self.say(f"   ({time.monotonic() - started:.1f} s, load average {after:.1f})")

    def configure_in_process(self) -> None:
        # Timings as production would see them: no query log, no debug
        # template engine; the test client's host allowed; no HTTPS redirect.
        settings.DEBUG = False
        # django-axes logs every force_login at INFO.
        logging.getLogger("axes").setLevel(logging.WARNING)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        settings.SECURE_SSL_REDIRECT = False
        manifest = Path(settings.STATIC_ROOT or BASE_DIR / "staticfiles") / "staticfiles.json"
        if "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"] and not manifest.exists():
            # With DEBUG off from the start, {% static %} needs the manifest.
            call_command("collectstatic", interactive=False, verbosity=0)
        ContentType.objects.get_for_models(Post, Comment)

    def signed_in_client(self, user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    def sign_out(self, client: Client) -> None:
        # Deleting the session rather than logging out keeps the log-in
        # throttle's logout handler (and its log lines) out of the run.
        Session.objects.filter(session_key=client.session.session_key).delete()

    def wait_for_database(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while True:
            connections.close_all()
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                return
            except (OperationalError, InterfaceError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def get(self, path: str, *, client=None, headers=None):
        response = (client or self.client).get(path, headers=headers or {})
        if response.status_code == 503:
            raise DatabaseGone(f"GET {path} answered 503")
        if response.status_code != 200:
            raise CommandError(f"GET {path} answered {response.status_code}; expected 200.")
        return response

    def row(self, name: str, timing: Timing | None = None, *, queries=None, note: str = "", **extra) -> dict:
        row = {"name": name, "queries": queries, "note": note, **extra}
        if timing is not None:
            row.update(p50_ms=round(timing.p50, 2), p95_ms=round(timing.p95, 2), timing=timing.as_dict())
        self.rows.append(row)
        shown = f"p50 {timing.p50:7.1f} ms  p95 {timing.p95:7.1f} ms" if timing else " " * 33
        self.say(f"   {name:<44} {shown}  {'' if queries is None else f'{queries} queries'}  {note}")
        return row

    def measure_page(self, name: str, path: str, *, headers=None, note: str = "") -> dict:
        timing = time_calls(lambda: self.get(path, headers=headers), runs=self.runs)
        queries = captured_queries(lambda: self.get(path, headers=headers))
        auth = sum(1 for sql in queries if SESSION_OR_USER_QUERY.search(sql))
        if auth:
            note = f"{auth} of them session/user; {note}" if note else f"{auth} of them session/user"
        return self.row(
            name, timing, queries=len(queries), note=note, sql=queries, own_queries=len(queries) - auth
        )

    # --- 1. Feed ------------------------------------------------------------

    def bench_feed(self):
        feed = reverse("community:feed")
        first = self.measure_page("Feed, first page", feed)
        posts = Post.objects.count()
        deep_post = Post.objects.newest_first()[posts // 2]
        cursor = views.encode_cursor(deep_post)
        deep = self.measure_page(
            "Feed, deep page (cursor)",
            f"{feed}?cursor={quote(cursor)}",
            note=f"page at post {posts // 2:,} of {posts:,}",
        )
        by_size = {}
        for size in (5, views.FEED_PAGE_SIZE, 50):
            with mock.patch.object(views, "FEED_PAGE_SIZE", size):
                by_size[size] = len(captured_queries(lambda: self.get(feed)))
        self.row(
            "Feed, queries by page size",
            queries=max(by_size.values()),
            note=", ".join(f"{n} at {size} posts" for size, n in by_size.items()),
        )
        self.details["feed"] = {"queries_by_page_size": by_size}
        self.feed = {"first": first, "deep": deep, "by_size": by_size}

    # --- 2. and 4. Post pages and the comment floor -------------------------

    def bench_posts(self):
        markers = self.data.markers
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
        self.post200 = self.measure_page(f"Post page, {n} comments", path, note=f"post {post_id}")
        self.post200["comments"] = n

        big = markers.big_thread_post_id
        big_n = Comment.objects.filter(post_id=big).count()
        path = reverse("community:post_detail", args=[big])
        shown = self.get(path).content.count(b'class="comment-item"')
        self.big = self.measure_page(
            f"Post page, {big_n:,} comments (first window)", path, note=f"{shown} comments rendered"
        )
        self.big["comments"] = big_n

        floor = time_calls(lambda: floors.comment_rows(post_id=big, viewer_id=self.viewer.pk), runs=self.runs)
        self.big_floor = self.row(
            f"  floor: raw fetch of the {big_n:,} comments",
            floor,
            queries=1,
            note=f"page / floor = {self.big['p50_ms'] / floor.p50:.1f}x",
        )
        # Where the page's time goes, for diagnosis.
        rows = list(selectors.comment_rows(post_id=big, viewer=self.viewer))
        fetch = time_calls(
            lambda: list(selectors.comment_rows(post_id=big, viewer=self.viewer)), runs=self.runs
        )
        tree = time_calls(lambda: selectors.build_comment_tree(rows), runs=self.runs)
        built = selectors.build_comment_tree(rows)
        window = time_calls(lambda: selectors.thread_window(built.roots), runs=self.runs)
        self.row("  of which: ORM fetch of the comments", fetch, queries=1)
        self.row("  of which: building the tree", tree)
        self.row(
            "  of which: choosing the window",
            window,
            note="the rest of the page is the post, session and rendering",
        )
        comment_type = ContentType.objects.get_for_model(Comment).id
        self.details["comment_floor_explain"] = floors.explain(
            floors.COMMENTS_SQL, {"comment_type": comment_type, "viewer": self.viewer.pk, "post_id": big}
        )

    # --- 2. The deep chain --------------------------------------------------

    def bench_chain(self):
        markers = self.data.markers
        depth = Comment.objects.filter(post_id=markers.chain_post_id).count()
        url = reverse("community:post_detail", args=[markers.chain_post_id])
        pages = []
        content = b""
        limit = depth // 4 + 10
        while url and len(pages) < limit:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = self.client.get(url)
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
        self.chain = self.row(
            f"Chain {depth:,} deep, every continue page",
            timing,
            queries=max(page["queries"] for page in pages),
            note=f"{len(pages)} pages, statuses {statuses}, {'reached' if reached else 'did NOT reach'} "
            f"the deepest reply, {sum(timing.samples) / 1000:.1f} s in all",
            pages=len(pages),
            statuses=statuses,
            reached_leaf=reached,
        )
        self.details["chain_pages"] = [{**p, "ms": round(p["ms"], 2)} for p in pages]

    # --- 3. The leaderboard and its floor -------------------------------------

    def bench_leaderboard(self):
        path = reverse("community:leaderboard")
        self.lb = self.measure_page("Leaderboard fragment (htmx)", path, headers=HTMX)
        selector = time_calls(selectors.leaderboard, runs=self.runs)
        selector_sql = captured_queries(selectors.leaderboard)
        self.row("  selectors.leaderboard() alone", selector, queries=len(selector_sql))
        self.lb_floor = self.leaderboard_floor("  floor: the aggregate in raw SQL", self.lb)
        self.details["leaderboard_explain"] = {
            "orm_aggregate": self.explain_logged(selector_sql[0]),
            "raw_floor": floors.explain(
                floors.LEADERBOARD_SQL,
                floors.leaderboard_params(since=selectors.karma_window_start(), limit=5),
            ),
        }

    def leaderboard_floor(self, name: str, page: dict) -> dict:
        params = floors.leaderboard_params(since=selectors.karma_window_start(), limit=5)
        floor = time_calls(lambda: floors.leaderboard_rows(params), runs=self.runs)
        return self.row(name, floor, queries=1, note=f"fragment / floor = {page['p50_ms'] / floor.p50:.2f}x")

    def explain_logged(self, sql: str) -> str:
        """EXPLAIN ANALYZE of a query as Django logged it (parameters already inlined)."""
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%", "%%"))
            return "\n".join(row[0] for row in cursor.fetchall())

    # --- 5. The like toggle ---------------------------------------------------

    def bench_like(self):
        post = Post.objects.newest_first().exclude(author=self.viewer).first()
        likers = list(
            get_user_model()
            .objects.filter(is_superuser=False)
            .exclude(pk=post.author_id)
            .exclude(
                pk__in=Like.objects.filter(target_id=post.pk, target_type=self.post_type()).values("user")
            )
            .order_by("id")[:10]
        )
        clients = [self.signed_in_client(user) for user in likers]
        like = reverse("community:post_like", args=[post.pk])
        unlike = reverse("community:post_unlike", args=[post.pk])

        def post_request(client, path):
            response = client.post(path, headers=HTMX)
            if response.status_code == 503:
                raise DatabaseGone(f"POST {path} answered 503")
            if response.status_code != 200:
                raise CommandError(f"POST {path} answered {response.status_code}; expected 200.")

        samples = []
        counter = iter(range(10**9))

        def toggle():
            client = clients[next(counter) % len(clients)]
            for path in (like, unlike):
                started = time.perf_counter()
                post_request(client, path)
                samples.append((time.perf_counter() - started) * 1000)

        time_calls(toggle, runs=self.runs)
        timing = Timing(tuple(samples[4:]))  # the two warm-up toggles are not counted
        like_sql = captured_queries(lambda: post_request(clients[0], like))
        unlike_sql = captured_queries(lambda: post_request(clients[0], unlike))
        self.like = self.row(
            "Like toggle (like, then unlike; htmx)",
            timing,
            queries=max(len(like_sql), len(unlike_sql)),
            note=f"like {len(like_sql)} queries, unlike {len(unlike_sql)}; {len(clients)} users",
            sql={"like": like_sql, "unlike": unlike_sql},
        )
        for client in clients:
            self.sign_out(client)

    def post_type(self):
        return ContentType.objects.get_for_model(Post)

    # --- 6. The load run ------------------------------------------------------

    def bench_load(self):
        shape = TINY_LOAD if self.tiny else FULL_LOAD
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
        self.collect_static(env)
        actions, sessions = self.like_plan(shape, secret)
        port = _free_port()
        log_path = RESULTS_DIR / "gunicorn.log"
        RESULTS_DIR.mkdir(exist_ok=True)
        load_started = datetime.now(UTC)
        try:
            with _gunicorn(env, port, log_path) as base_url:
                self.say(f"   gunicorn: {GUNICORN_WORKERS} sync workers at {base_url}, log {log_path}")
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
        self.load = result
        self.details["load"] = {**result, "workers": GUNICORN_WORKERS, **shape}
        board, likes = result["leaderboard"], result["likes"]
        self.row(
            f"Load: {shape['tabs']} tabs polling every {shape['poll_interval']:.0f} s",
            queries=None,
            note=f"{board['requests']} requests, {board['errors']} errors, "
            f"p50 {_ms(board['p50_ms'])}, p99 {_ms(board['p99_ms'])}",
            p50_ms=board["p50_ms"],
            p95_ms=board["p95_ms"],
        )
        self.row(
            f"Load: {shape['likes_per_second']:.0f} likes/s meanwhile",
            queries=None,
            note=f"{likes['requests']} requests, {likes['errors']} errors, "
            f"p50 {_ms(likes['p50_ms'])}, p99 {_ms(likes['p99_ms'])}; "
            f"{result['requests_per_second']} requests/s in all over {result['duration_s']} s",
            p50_ms=likes["p50_ms"],
            p95_ms=likes["p95_ms"],
        )

    def collect_static(self, env) -> None:
        if (BASE_DIR / "staticfiles" / "staticfiles.json").exists():
            return
        self.say("   collectstatic (first load run on this checkout)")
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )

    def like_plan(self, shape, secret) -> tuple[list[dict], list[str]]:
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
        users = list(User.objects.filter(is_superuser=False).exclude(pk=self.viewer.pk).order_by("-id"))
        liked = set(
            Like.objects.filter(
                target_type=self.post_type(), target_id__in=[p for p, _ in posts]
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

    # --- 7. The viral day -----------------------------------------------------

    def bench_viral(self):
        goal = TINY_VIRAL_WINDOW_LIKES if self.tiny else FULL_VIRAL_WINDOW_LIKES
        source = connection.settings_dict["NAME"]
        scratch = f"{source}_viral"
        self.say(f"   copying {source} to {scratch}")
        datasets.use_database("postgres")  # nothing may hold the template open
        datasets.drop_database(scratch)
        started = time.monotonic()
        datasets.create_database(scratch, template=source)
        self.say(f"   copied in {time.monotonic() - started:.1f} s")
        try:
            datasets.use_database(scratch)
            with connection.cursor() as cursor:
                # Measure the unvacuumed state as it is, not as autovacuum
                # happens to leave it a minute later.
                cursor.execute("ALTER TABLE community_like SET (autovacuum_enabled = false)")
            window = Like.objects.filter(created_at__gte=selectors.karma_window_start()).count()
            datasets.add_viral_likes(likes=max(0, goal - window), out=self.say)
            window = Like.objects.filter(created_at__gte=selectors.karma_window_start()).count()
            path = reverse("community:leaderboard")
            fresh = self.measure_page(
                "Viral day leaderboard, before vacuum",
                path,
                headers=HTMX,
                note=f"{window:,} likes in the window; new rows not yet all-visible",
            )
            self.leaderboard_floor("  floor, before vacuum", fresh)
            started = time.monotonic()
            datasets.vacuum_likes()
            self.say(f"   VACUUM (ANALYZE) likes: {time.monotonic() - started:.1f} s")
            self.viral = self.measure_page(
                "Viral day leaderboard (vacuumed)", path, headers=HTMX, note=f"{window:,} likes in the window"
            )
            self.viral_fresh = fresh
            self.viral_floor = self.leaderboard_floor("  floor, vacuumed", self.viral)
            selector_sql = captured_queries(selectors.leaderboard)
            self.details["viral"] = {
                "window_likes": window,
                "orm_aggregate_explain": self.explain_logged(selector_sql[0]),
            }
        finally:
            datasets.use_database(source)
            datasets.drop_database(scratch)

    # --- Verdicts -------------------------------------------------------------

    def judge(self) -> list[Target]:
        feed, lb = self.feed, self.lb
        targets = [
            Target(
                "Leaderboard p50",
                "<= 50 ms",
                f"{lb['p50_ms']:.1f} ms at {self.data.window_likes:,} likes",
                lb["p50_ms"] <= 50,
            ),
            Target(
                "Leaderboard vs raw-SQL floor",
                "<= 1.5x",
                f"{lb['p50_ms'] / self.lb_floor['p50_ms']:.2f}x "
                f"({lb['p50_ms']:.1f} / {self.lb_floor['p50_ms']:.1f} ms)",
                lb["p50_ms"] <= 1.5 * self.lb_floor["p50_ms"],
            ),
            Target(
                "Leaderboard queries",
                "1 aggregate + 1 for names",
                f"{lb['own_queries']} ({lb['queries']} in all, signed in)",
                lb["own_queries"] <= 2,
            ),
            Target(
                "Viral day leaderboard p50",
                "<= 300 ms",
                f"{self.viral['p50_ms']:.1f} ms vacuumed, {self.viral_fresh['p50_ms']:.1f} ms before vacuum",
                self.viral["p50_ms"] <= 300,
            ),
            Target(
                "Feed queries, any page size",
                "<= 4",
                ", ".join(f"{n} at {size}" for size, n in feed["by_size"].items()) + " (signed in)",
                max(feed["by_size"].values()) <= 4 and len(set(feed["by_size"].values())) == 1,
            ),
            Target(
                "Feed p50, first page",
                "<= 15 ms",
                f"{feed['first']['p50_ms']:.1f} ms",
                feed["first"]["p50_ms"] <= 15,
            ),
            Target(
                "Feed deep page vs first",
                "as fast (<= 1.25x)",
                f"{feed['deep']['p50_ms']:.1f} vs {feed['first']['p50_ms']:.1f} ms",
                feed["deep"]["p50_ms"] <= 1.25 * feed["first"]["p50_ms"],
            ),
            Target(
                f"Post with {self.big['comments']:,} comments: queries",
                "<= 4",
                f"{self.big['queries']} (signed in)",
                self.big["queries"] <= 4,
            ),
            Target(
                f"Post with {self.big['comments']:,} comments: p50",
                "<= 150 ms",
                f"{self.big['p50_ms']:.1f} ms",
                self.big["p50_ms"] <= 150,
            ),
            Target(
                f"Post with {self.big['comments']:,} comments vs raw fetch",
                "<= 4x",
                f"{self.big['p50_ms'] / self.big_floor['p50_ms']:.1f}x "
                f"({self.big['p50_ms']:.1f} / {self.big_floor['p50_ms']:.1f} ms)",
                self.big["p50_ms"] <= 4 * self.big_floor["p50_ms"],
            ),
            Target(
                f"Post with {self.post200['comments']} comments: p50",
                "<= 30 ms",
                f"{self.post200['p50_ms']:.1f} ms",
                self.post200["p50_ms"] <= 30,
            ),
            Target(
                "Deep chain: every continue page",
                "200, <= 4 queries",
                f"{self.chain['pages']} pages, statuses {self.chain['statuses']}, "
                f"max {self.chain['queries']} queries (signed in)",
                self.chain["statuses"] == [200] and self.chain["queries"] <= 4 and self.chain["reached_leaf"],
            ),
            Target("Like toggle p50", "<= 10 ms", f"{self.like['p50_ms']:.1f} ms", self.like["p50_ms"] <= 10),
        ]
        load = getattr(self, "load", None)
        if load is None:
            targets += [
                Target(name, goal, "not run", None)
                for name, goal in (
                    ("Load: errors", "0"),
                    ("Load: leaderboard p99", "< 500 ms"),
                    ("Load: like p99", "< 200 ms"),
                )
            ]
        else:
            board, likes = load["leaderboard"], load["likes"]
            targets += [
                Target("Load: errors", "0", f"{load['errors']} of {load['requests']}", load["errors"] == 0),
                Target(
                    "Load: leaderboard p99",
                    "< 500 ms",
                    _ms(board["p99_ms"]),
                    board["p99_ms"] is not None and board["p99_ms"] < 500,
                ),
                Target(
                    "Load: like p99",
                    "< 200 ms",
                    _ms(likes["p99_ms"]),
                    likes["p99_ms"] is not None and likes["p99_ms"] < 200,
                ),
            ]
        return targets

    def print_results(self, results) -> None:
        m = results["meta"]["machine"]
        self.say("")
        self.say(
            f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; {m['postgresql']}; "
            f"Python {m['python']}, Django {m['django']}"
        )
        d = results["dataset"]
        self.say(f"Data: {d['counts']}, {d['likes_in_24h_window']:,} likes in the window ({d['why']})")
        self.say(
            f"In-process: test client, signed in, DEBUG off, {self.runs} runs; query counts include "
            f"the session and user lookups ({AUTH_QUERIES})."
        )
        if self.tiny:
            self.say("Tiny dataset: the targets are for the full size; verdicts here mean nothing.")
        self.say("")
        for line in table_lines(self.rows, results["targets"], markdown=False):
            self.say(line)
        self.say(
            f"\nBenchmark {results['meta']['wall_seconds']:.0f} s"
            + (f", seeding {d['seed_seconds']:.0f} s" if d["seed_seconds"] else "")
        )


# --- Processes ----------------------------------------------------------------


def _ms(value) -> str:
    return "-" if value is None else f"{value:.0f} ms"


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
                    raise CommandError(f"gunicorn exited with {process.returncode}; see {log_path}.")
                try:
                    if _http_get(port, reverse("community:healthz")) == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise CommandError(f"gunicorn did not answer within 30 s; see {log_path}.")
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
        raise CommandError(f"The load generator failed: {completed.stderr.strip()[-2000:]}")
    return json.loads(completed.stdout)
