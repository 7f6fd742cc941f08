"""3. The leaderboard: the htmx fragment, the selector alone, and the aggregate's floor in raw SQL."""

from django.db import connection
from django.urls import reverse

from community.selectors.karma import LEADERBOARD_SIZE, karma_window_start, leaderboard

from . import floors
from .harness import HTMX, Bench
from .measure import captured_queries, time_calls


def run(bench: Bench) -> None:
    path = reverse("community:leaderboard")
    page = bench.measure_page("Leaderboard fragment (htmx)", path, headers=HTMX)
    selector = time_calls(leaderboard, runs=bench.runs)
    selector_sql = captured_queries(leaderboard)
    bench.row("  selectors.leaderboard() alone", selector, queries=len(selector_sql))
    floor = measure_floor(bench, "  floor: the aggregate in raw SQL", page)
    bench.details["leaderboard_explain"] = {
        "orm_aggregate": explain_logged(selector_sql[0]),
        "raw_floor": floors.explain(
            floors.LEADERBOARD_SQL,
            floors.leaderboard_params(since=karma_window_start(), limit=LEADERBOARD_SIZE),
        ),
    }
    bench.figures.update(leaderboard=page, leaderboard_floor=floor)


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
