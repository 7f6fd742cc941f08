"""
Load generator: open browser tabs polling the leaderboard while likes arrive.

Run as its own process (``python -m benchmarks.load PLAN.json``) so its CPU
use is not counted inside the server's workers; ``manage.py bench`` writes
the plan and reads the JSON this prints on stdout. Standard library only,
no Django: it speaks HTTP/1.1 to a server on the loopback interface and
nothing else.

Every tab is one asyncio task that asks for ``/leaderboard/`` as htmx does
(``HX-Request: true``) every ``poll_interval`` seconds, the tabs' first
requests spread evenly over the first interval. A separate task starts a like
or an unlike every ``1 / likes_per_second`` seconds as a signed-in user (the
plan carries session cookies and CSRF tokens); each (user, post) pair is
liked and later unliked, so the run leaves the likes table as it found it.
Every request opens its own connection, as gunicorn's sync workers close
the connection after each response.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Kind:
    """Results of one kind of request."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def record(self, status: int | None, elapsed_ms: float, error: str | None = None) -> None:
        key = str(status) if status is not None else "none"
        self.statuses[key] = self.statuses.get(key, 0) + 1
        if error is None and status is not None and 200 <= status < 300:
            self.latencies_ms.append(elapsed_ms)
        elif len(self.errors) < 20:
            self.errors.append(error or f"HTTP {status}")

    def summary(self) -> dict:
        ordered = sorted(self.latencies_ms)
        requests = sum(self.statuses.values())
        return {
            "requests": requests,
            "ok": len(ordered),
            "errors": requests - len(ordered),
            "statuses": self.statuses,
            "p50_ms": percentile(ordered, 50),
            "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99),
            "max_ms": ordered[-1] if ordered else None,
            "error_samples": self.errors,
        }


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


async def request(host: str, port: int, method: str, path: str, headers: dict, timeout: float):
    """One HTTP/1.1 request on a new connection: (status, error), error None on success."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    body = b""
    if method == "POST":
        lines += ["Content-Type: application/x-www-form-urlencoded", "Content-Length: 0"]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    async def exchange():
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(raw)
            await writer.drain()
            status_line = await reader.readline()
            # Read the whole response: the time includes the body.
            await reader.read()
        finally:
            writer.close()
        parts = status_line.split()
        return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None

    try:
        status = await asyncio.wait_for(exchange(), timeout)
    except TimeoutError:
        return None, f"timeout after {timeout:.0f} s"
    except OSError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return status, None if status is not None else "malformed response"


async def timed(kind: Kind, host, port, method, path, headers, timeout) -> None:
    started = time.perf_counter()
    status, error = await request(host, port, method, path, headers, timeout)
    kind.record(status, (time.perf_counter() - started) * 1000, error)


async def run(plan: dict) -> dict:
    url = urlsplit(plan["base_url"])
    host, port = url.hostname, url.port
    if host not in LOOPBACK:
        raise SystemExit(f"Refusing to load {host}: the load generator only talks to the loopback interface.")
    duration = float(plan["duration"])
    interval = float(plan["poll_interval"])
    timeout = float(plan.get("timeout", 10))
    tabs = int(plan["tabs"])
    likes_per_second = float(plan["likes_per_second"])
    actions = plan["likes"]

    leaderboard, like, unlike = Kind(), Kind(), Kind()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    end = start + duration
    pending: set[asyncio.Task] = set()

    def launch(coro):
        task = asyncio.ensure_future(coro)
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def tab(index: int) -> None:
        # A browser keeps one timer per tab; a slow answer delays that tab's
        # next poll but does not pile requests up.
        due = start + interval * index / max(tabs, 1)
        while due < end:
            await asyncio.sleep(max(0.0, due - loop.time()))
            await timed(
                leaderboard, host, port, "GET", plan["leaderboard_path"], {"HX-Request": "true"}, timeout
            )
            due = max(due + interval, loop.time())

    async def likes() -> None:
        if likes_per_second <= 0 or not actions:
            return
        # Arrivals at a steady rate regardless of how long answers take.
        step = 1 / likes_per_second
        due = start
        index = 0
        while due < end and index < len(actions):
            await asyncio.sleep(max(0.0, due - loop.time()))
            action = actions[index]
            index += 1
            headers = {
                "HX-Request": "true",
                "Cookie": f"{plan['session_cookie']}={action['session']}; "
                f"{plan['csrf_cookie']}={action['csrf']}",
                "X-CSRFToken": action["csrf"],
            }
            kind = like if action["path"].endswith("/like/") else unlike
            launch(timed(kind, host, port, "POST", action["path"], headers, timeout))
            due += step

    wall = time.perf_counter()
    await asyncio.gather(*(tab(i) for i in range(tabs)), likes())
    if pending:
        await asyncio.wait(pending, timeout=timeout + 1)
    wall = time.perf_counter() - wall

    likes_total = Kind()
    for part in (like, unlike):
        likes_total.latencies_ms += part.latencies_ms
        likes_total.errors += part.errors
        for status, count in part.statuses.items():
            likes_total.statuses[status] = likes_total.statuses.get(status, 0) + count
    summary = {
        "duration_s": round(wall, 2),
        "tabs": tabs,
        "poll_interval_s": interval,
        "likes_per_second": likes_per_second,
        "leaderboard": leaderboard.summary(),
        "likes": likes_total.summary(),
        "like": like.summary(),
        "unlike": unlike.summary(),
    }
    total = summary["leaderboard"]["requests"] + summary["likes"]["requests"]
    summary["requests"] = total
    summary["errors"] = summary["leaderboard"]["errors"] + summary["likes"]["errors"]
    summary["requests_per_second"] = round(total / wall, 1) if wall else None
    return summary


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("plan", help="JSON file written by manage.py bench")
    args = parser.parse_args(argv)
    with open(args.plan) as handle:
        plan = json.load(handle)
    # A hard stop whatever happens: the run never outlives its plan by much.
    limit = float(plan["duration"]) + float(plan.get("timeout", 10)) + 15
    try:
        result = asyncio.run(asyncio.wait_for(run(plan), limit))
    except TimeoutError:
        sys.exit(f"Load run did not finish within {limit:.0f} s.")
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
