"""
The load generator: Locust, as a library and headless, in a process of its
own (``python -m benchmarks.load PLAN.json``; ``load_run`` writes the plan
and reads the JSON this prints). Importing Locust patches the standard
library for gevent, which must never happen inside ``manage.py bench``, and
a process of its own has its CPU counted apart from the site's. It talks to
the loopback interface only, and every phase ends by itself.

A plan is one phase:

* ``crowd``: browser tabs polling the leaderboard fragment as htmx does
  (``HX-Request: true``), each keeping the last ETag it got and sending it
  as ``If-None-Match``, as the browser's cache does for htmx. A tab polls
  every ``poll_interval`` seconds on a schedule of its own, or at once when
  its previous poll took longer, so requests never pile up (``paced``); the
  tabs' first polls spread evenly over the first interval.
  Meanwhile, optionally, signed-in people like posts and unlike them
  ``write_pace`` seconds later (``likes_per_second`` likes, and as many
  unlikes), and comment (``comments_per_second``), with the session cookies
  and CSRF tokens the plan carries. The capacity steps are crowds with tabs only.
* ``slow``: connections that trickle a request's header lines, or its body,
  a piece every ``trickle_every`` seconds, reconnecting whenever the server
  closes them, while one ordinary client polls ``/healthz`` and the feed.

A request counts as served when its status is one the plan expects for it
(200, and 304 for a poll); anything else, or no answer within ``timeout``
seconds, is an error.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import sys
import time
from collections import deque
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, events, task
from locust.env import Environment

from benchmarks.samples import Kind, percentile

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# What each kind of request must answer to count as served.
EXPECTED = {"leaderboard": {200, 304}}
HTMX = {"HX-Request": "true"}
# Kinds also summarised together: a like and an unlike are both the like
# toggle; the slow-client phase's ordinary client asks for two pages.
GROUPS = {"likes": ("like", "unlike"), "probes": ("healthz", "feed")}


# When the phase's users stop starting requests (time.monotonic()); set by run_users.
_deadline = float("inf")


def open_for_requests() -> bool:
    return time.monotonic() < _deadline


class Recorder:
    """Every answer Locust reports, by request name."""

    def __init__(self):
        self.kinds: dict[str, Kind] = {}
        # By second of the run (from `started`, the epoch time Locust stamps
        # requests with), each kind's response times: where a slow tail came from.
        self.started = time.time()
        self.seconds: dict[str, dict[int, list[float]]] = {}

    def on_request(
        self, *, name, response_time, response=None, exception=None, start_time=None, **_kwargs
    ) -> None:
        second = int((start_time or time.time()) - self.started)
        self.seconds.setdefault(name, {}).setdefault(second, []).append(response_time)
        status = getattr(response, "status_code", None) or None
        if status is not None and status not in EXPECTED.get(name, {200}):
            error = f"HTTP {status}"
        elif exception is not None:
            error = f"{type(exception).__name__}: {exception}"[:200]
        else:
            error = None
        self.kinds.setdefault(name, Kind()).record(status, response_time, error)

    def summaries(self, duration: float) -> dict:
        """Each kind's summary, and each group's of GROUPS present (its kinds' answers together)."""
        summaries = {name: kind.summary(duration=duration) for name, kind in sorted(self.kinds.items())}
        for group, names in GROUPS.items():
            parts = [self.kinds[name] for name in names if name in self.kinds]
            if parts:
                summaries[group] = Kind.merged(parts).summary(duration=duration)
        return summaries

    def timeline(self) -> dict:
        """Per kind, per second: [second, requests, p50 ms, p99 ms, max ms] (errors included)."""
        lines = {}
        for name, seconds in sorted(self.seconds.items()):
            lines[name] = []
            for second, times in sorted(seconds.items()):
                times.sort()
                lines[name].append(
                    [
                        second,
                        len(times),
                        round(percentile(times, 50)),
                        round(percentile(times, 99)),
                        round(times[-1]),
                    ]
                )
        return lines


def paced(interval: float):
    """
    A Locust wait_time: each user starts a task every `interval` seconds on
    a schedule of its own (`due`, set by on_start), or at once when the last
    one ran past its time, so tasks never pile up. (Locust's
    constant_pacing counts from the user's creation, which would undo the
    spread of first tasks and make every user start at the same moments.)
    """

    def wait(user) -> float:
        now = time.monotonic()
        user.due = max(user.due + interval, now)
        return user.due - now

    return wait


def _user_class(name: str, plan: dict, *, interval: float, count: int) -> type:
    """
    A FastHttpUser subclass for the plan's server: `count` users, each
    starting a task every `interval` seconds, their first tasks spread
    evenly over the first interval.
    """
    order = iter(range(count))
    start = time.monotonic()

    def on_start(self):
        self.due = start + next(order, 0) * interval / count
        gevent.sleep(max(0.0, self.due - time.monotonic()))

    return type(
        name,
        (FastHttpUser,),
        {
            "host": plan["base_url"],
            "wait_time": paced(interval),
            "network_timeout": float(plan["timeout"]),
            "connection_timeout": float(plan["timeout"]),
            "fixed_count": count,
            "on_start": on_start,
            "due": 0.0,
            "__module__": __name__,
        },
    )


def tab_class(plan: dict) -> type:
    path = plan["leaderboard_path"]

    class Tab(_user_class("TabBase", plan, interval=float(plan["poll_interval"]), count=int(plan["tabs"]))):
        etag: str | None = None

        @task
        def poll(self):
            if not open_for_requests():
                return
            headers = dict(HTMX)
            if self.etag:
                headers["If-None-Match"] = self.etag
            response = self.client.get(path, headers=headers, name="leaderboard")
            if response.status_code == 200 and response.headers.get("ETag"):
                self.etag = response.headers["ETag"]

    return Tab


def _signed_in_post(user, path: str, action: dict, plan: dict, name: str, data: dict | None = None):
    # Each request is a different person: cookies come from the plan, never from the last answer.
    user.client.cookiejar.clear()
    headers = {
        **HTMX,
        "Cookie": f"{plan['session_cookie']}={action['session']}; {plan['csrf_cookie']}={action['csrf']}",
        "X-CSRFToken": action["csrf"],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    body = urlencode(data or {}).encode()
    return user.client.post(path, data=body, headers=headers, name=name, allow_redirects=False)


def liker_class(plan: dict) -> type | None:
    """
    Each liker likes one post, unlikes it `write_pace` seconds later, and
    takes the next pair of the plan: 2 * rate * pace likers make `rate`
    likes a second, and as many unlikes, as long as answers take less than
    the pace (people do not wait for each other's answers).
    """
    rate = float(plan.get("likes_per_second") or 0)
    pairs = deque(plan.get("likes") or [])
    if rate <= 0 or not pairs:
        return None
    count = max(1, round(2 * rate * float(plan["write_pace"])))

    class Liker(_user_class("LikerBase", plan, interval=count / (2 * rate), count=count)):
        liked: dict | None = None

        @task
        def toggle(self):
            if not open_for_requests():
                return
            if self.liked is not None:
                _signed_in_post(self, self.liked["unlike"], self.liked, plan, "unlike")
                self.liked = None
            elif pairs:
                self.liked = pairs.popleft()
                _signed_in_post(self, self.liked["like"], self.liked, plan, "like")

    return Liker


def commenter_class(plan: dict) -> type | None:
    rate = float(plan.get("comments_per_second") or 0)
    comments = deque(plan.get("comments") or [])
    if rate <= 0 or not comments:
        return None
    count = max(1, round(rate * float(plan["write_pace"])))

    class Commenter(_user_class("CommenterBase", plan, interval=count / rate, count=count)):
        @task
        def comment(self):
            if comments and open_for_requests():
                action = comments.popleft()
                _signed_in_post(self, action["path"], action, plan, "comment", {"content": action["content"]})

    return Commenter


def prober_class(plan: dict) -> type:
    paths = plan["probe_paths"]

    class Prober(_user_class("ProberBase", plan, interval=float(plan["probe_interval"]), count=1)):
        index = 0

        @task
        def probe(self):
            if not open_for_requests():
                return
            name, path = paths[self.index % len(paths)]
            self.index += 1
            self.client.get(path, name=name)

    return Prober


def run_users(plan: dict, classes: list[type], users: int, recorder: Recorder) -> dict:
    """
    Run Locust with `users` users of `classes`, all started at once, for
    the plan's duration; the run's wall time and CPU.
    """
    global _deadline
    environment = Environment(user_classes=classes, events=events, stop_timeout=float(plan["timeout"]))
    environment.events.request.add_listener(recorder.on_request)
    runner = environment.create_local_runner()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    recorder.started = time.time()
    _deadline = started + float(plan["duration"])
    runner.start(users, spawn_rate=users)
    gevent.sleep(float(plan["duration"]))
    # Users finish the request they are in (up to `timeout` seconds), then stop.
    runner.quit()
    runner.greenlet.join()
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
        "cpu_warning": runner.cpu_warning_emitted,
    }


def crowd(plan: dict) -> dict:
    recorder = Recorder()
    tab = tab_class(plan)
    extra = [c for c in (liker_class(plan), commenter_class(plan)) if c is not None]
    classes = [*extra, tab]
    run = run_users(plan, classes, sum(c.fixed_count for c in classes), recorder)
    return {
        "phase": "crowd",
        **run,
        "kinds": recorder.summaries(float(plan["duration"])),
        "timeline": recorder.timeline(),
    }


def slow(plan: dict) -> dict:
    recorder = Recorder()
    url = urlsplit(plan["base_url"])
    address = (url.hostname, url.port)
    every = float(plan["trickle_every"])
    deadline = time.monotonic() + float(plan["duration"])
    connections = int(plan["slow_connections"])
    kinds = {"headers": _trickle_stats(), "body": _trickle_stats()}
    trickles = [
        gevent.spawn(_trickle, "headers" if i % 2 == 0 else "body", address, plan, deadline, every, kinds)
        for i in range(connections)
    ]
    run = run_users(plan, [prober_class(plan)], 1, recorder)
    gevent.joinall(trickles, timeout=every + 5)
    gevent.killall(trickles, block=False)
    for stats in kinds.values():
        held = sorted(stats.pop("held_s"))
        stats["longest_held_s"] = round(held[-1], 1) if held else None
    return {
        "phase": "slow",
        **run,
        "kinds": recorder.summaries(float(plan["duration"])),
        "timeline": recorder.timeline(),
        "slow_connections": connections,
        "trickle_every_s": every,
        "trickle": kinds,
    }


def _trickle_stats() -> dict:
    return {"opened": 0, "closed_by_server": 0, "answers": {}, "held_to_end": 0, "failed": 0, "held_s": []}


def _trickle(kind: str, address, plan: dict, deadline: float, every: float, kinds: dict) -> None:
    """
    One slow client: a request sent a line (headers) or a few bytes (body) at
    a time, every `every` seconds, until the deadline; when the server
    answers or closes, a new connection starts over.
    """
    stats = kinds[kind]
    host = f"Host: {address[0]}:{address[1]}\r\n"
    if kind == "headers":
        first = f"GET {plan['slow_header_path']} HTTP/1.1\r\n{host}".encode()
    else:
        first = (
            f"POST {plan['slow_body_path']} HTTP/1.1\r\n{host}"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
        ).encode()
    while time.monotonic() < deadline:
        opened = time.monotonic()
        try:
            sock = socket.create_connection(address, timeout=5)
        except OSError:
            stats["failed"] += 1
            gevent.sleep(every)
            continue
        stats["opened"] += 1
        try:
            sock.sendall(first)
            piece = 0
            while (remaining := deadline - time.monotonic()) > 0:
                sock.settimeout(min(every, remaining))
                try:
                    data = sock.recv(4096)
                except TimeoutError:
                    piece += 1
                    sock.sendall(
                        f"X-Slow-{piece}: {'x' * 16}\r\n".encode() if kind == "headers" else b"x" * 16
                    )
                    continue
                if data:
                    status = data.split(b" ", 2)[1].decode(errors="replace") if b" " in data else "?"
                    stats["answers"][status] = stats["answers"].get(status, 0) + 1
                else:
                    stats["closed_by_server"] += 1
                break
            else:
                stats["held_to_end"] += 1
        except OSError:
            stats["closed_by_server"] += 1
        finally:
            stats["held_s"].append(time.monotonic() - opened)
            sock.close()


PHASES = {"crowd": crowd, "slow": slow}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("plan", help="JSON file written by benchmarks.load_run")
    args = parser.parse_args(argv)
    with open(args.plan) as handle:
        plan = json.load(handle)
    host = urlsplit(plan["base_url"]).hostname
    if host not in LOOPBACK:
        sys.exit(f"Refusing to load {host}: the load generator only talks to the loopback interface.")
    # A connection per tab: more than the usual soft limit of 1,024 open files.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    # A hard stop whatever happens: the run never outlives its plan by much.
    limit = float(plan["duration"]) + 2 * float(plan["timeout"]) + 30
    timer = gevent.Timeout(limit)
    timer.start()
    try:
        result = PHASES[plan["phase"]](plan)
    except gevent.Timeout:
        sys.exit(f"The load phase did not finish within {limit:.0f} s.")
    finally:
        timer.close()
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
