"""
3. The leaderboard: the htmx fragment, the selector alone, and the aggregate's
floor in raw SQL, all computed live at every request (a tick of 0); then the
fragment within a tick, when every reader gets the answer shared by all.
"""

from contextlib import contextmanager

from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse

from community.selectors import leaderboard as shared
from community.selectors.karma import LEADERBOARD_SIZE, karma_window_start, leaderboard

from . import floors
from .harness import HTMX, Bench, BenchmarkError
from .measure import captured_queries, time_calls

# Long enough that every timed request of the shared row falls in one tick.
SHARED_TICK = 3600


@contextmanager
def tick(seconds: float):
    """The leaderboard shared for `seconds` (0: the live aggregate at every request), from a clean slate."""
    with override_settings(COMMUNITY_LEADERBOARD_TICK=seconds):
        shared.forget()
        try:
            yield
        finally:
            shared.forget()


def run(bench: Bench) -> None:
    path = reverse("community:leaderboard")
    with tick(0):
        page = bench.measure_page("Leaderboard fragment (htmx)", path, headers=HTMX)
        selector = time_calls(leaderboard, runs=bench.runs)
        selector_sql = captured_queries(leaderboard)
        bench.row("  selectors.leaderboard() alone", selector, queries=len(selector_sql))
        floor = measure_floor(bench, "  floor: the aggregate in raw SQL", page)
    with tick(SHARED_TICK):
        measure_shared(bench, path)
    bench.details["leaderboard_explain"] = {
        "orm_aggregate": explain_logged(selector_sql[0]),
        "raw_floor": floors.explain(
            floors.LEADERBOARD_SQL,
            floors.leaderboard_params(since=karma_window_start(), limit=LEADERBOARD_SIZE),
        ),
    }
    bench.figures.update(leaderboard=page, leaderboard_floor=floor)


def measure_shared(bench: Bench, path: str) -> dict:
    """The fragment within one tick: the shared answer, rendered; and the 304 for a poll that has it."""
    etag = bench.get(path, headers=HTMX)["ETag"]  # computes this tick's answer
    before = shared.computations()
    row = bench.measure_page("  fragment within a tick (shared answer)", path, headers=HTMX)
    unchanged = {**HTMX, "If-None-Match": etag}

    def revalidate():
        response = bench.client.get(path, headers=unchanged)
        if response.status_code != 304:
            raise BenchmarkError(f"GET {path} with its ETag answered {response.status_code}; expected 304.")

    not_modified = time_calls(revalidate, runs=bench.runs)
    ran = shared.computations() - before
    row["note"] = (row["note"] + "; " if row["note"] else "") + (
        f"the aggregate ran {ran} times for these requests; with its ETag, 304 in {not_modified.p50:.1f} ms "
        f"p50, {not_modified.p95:.1f} ms p95"
    )
    row["not_modified"] = not_modified.as_dict()
    bench.say(f"   {'':<44} {row['note']}")
    return row


def measure_floor(bench: Bench, name: str, page: dict) -> dict:
    """Time the leaderboard's floor and record it as a row comparing `page` with it."""
    params = floors.leaderboard_params(since=karma_window_start(), limit=LEADERBOARD_SIZE)
    floor = time_calls(lambda: floors.leaderboard_rows(params), runs=bench.runs)
    return bench.row(name, floor, queries=1, note=f"fragment / floor = {page['p50_ms'] / floor.p50:.2f}x")


def explain_logged(sql: str) -> str:
    """EXPLAIN ANALYZE of a query as Django logged it (parameters already inlined)."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%", "%%"))
        return "\n".join(row[0] for row in cursor.fetchall())
