"""
What every section of the benchmark shares: the run's state (options, the
dataset, the signed-in viewer, the rows measured so far) and the plumbing to
measure a page through Django's test client.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import Client

from .measure import Timing, captured_queries, time_calls

BASE_DIR = Path(settings.BASE_DIR)
RESULTS_DIR = BASE_DIR / "bench-results"

HTMX = {"HX-Request": "true"}
# What a signed-in request costs when anything reads request.user: the
# session row, then the user row.
AUTH_QUERIES = 2
SESSION_OR_USER_QUERY = re.compile(
    r'FROM "django_session"|FROM "auth_user" WHERE "auth_user"\."id" = \d+ LIMIT'
)


class BenchmarkError(Exception):
    """The benchmark cannot go on: the site answered wrongly or the data is unusable."""


class DatabaseGone(Exception):
    """The site answered 503: the database restarted or is unreachable."""


class Bench:
    """
    One run of the benchmark. Sections add rows (the table) and details
    (the JSON's diagnostics), and keep in `figures` the rows the targets
    judge, by name.
    """

    def __init__(self, *, tiny: bool, runs: int, out: Callable[[str], None]):
        self.tiny = tiny
        self.runs = runs
        self.out = out
        self.rows: list[dict] = []
        self.details: dict = {}
        self.figures: dict = {}
        self.data = None  # the benchmarks.dataset.Dataset measured
        self.viewer = None
        self.client: Client | None = None

    def say(self, message: str) -> None:
        self.out(message)

    def section(self, title: str, bench: Callable[[Bench], None]) -> None:
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
                bench(self)
                break
            except (DatabaseGone, OperationalError, InterfaceError) as exc:
                if attempt == 2:
                    raise BenchmarkError(f"{title}: the database went away twice ({exc}).") from exc
                self.say(f"   the database went away ({exc}); waiting for it and measuring again")
                del self.rows[rows:]
                self.wait_for_database()
        after = os.getloadavg()[0]
        self.details.setdefault("load_average", {})[title] = [round(before, 2), round(after, 2)]
        self.say(f"   ({time.monotonic() - started:.1f} s, load average {after:.1f})")

    @staticmethod
    def wait_for_database(timeout: float = 120) -> None:
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

    @staticmethod
    def signed_in_client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    @staticmethod
    def sign_out(client: Client) -> None:
        # Deleting the session rather than logging out keeps the log-in
        # throttle's logout handler (and its log lines) out of the run.
        Session.objects.filter(session_key=client.session.session_key).delete()

    def get(self, path: str, *, client=None, headers=None):
        response = (client or self.client).get(path, headers=headers or {})
        if response.status_code == 503:
            raise DatabaseGone(f"GET {path} answered 503")
        if response.status_code != 200:
            raise BenchmarkError(f"GET {path} answered {response.status_code}; expected 200.")
        return response

    def row(self, name: str, timing: Timing | None = None, *, queries=None, note: str = "", **extra) -> dict:
        row = {"name": name, "queries": queries, "note": note, **extra}
        if timing is not None:
            row.update(p50_ms=round(timing.p50, 2), p95_ms=round(timing.p95, 2), timing=timing.as_dict())
        self.rows.append(row)
        shown = f"p50 {timing.p50:7.1f} ms  p95 {timing.p95:7.1f} ms" if timing else " " * 33
        self.say(f"   {name:<44} {shown}  {'' if queries is None else f'{queries} queries'}  {note}")
        return row

    def measure_page(self, name: str, path: str, *, headers=None, client=None, note: str = "") -> dict:
        """Time GET `path` (by `client`, the run's signed-in reader by default) and capture its queries."""
        timing = time_calls(lambda: self.get(path, client=client, headers=headers), runs=self.runs)
        queries = captured_queries(lambda: self.get(path, client=client, headers=headers))
        auth = sum(1 for sql in queries if SESSION_OR_USER_QUERY.search(sql))
        if auth:
            note = f"{auth} of them session/user; {note}" if note else f"{auth} of them session/user"
        return self.row(
            name, timing, queries=len(queries), note=note, sql=queries, own_queries=len(queries) - auth
        )
