"""
The benchmark's entry point, ``main()`` (``manage.py bench`` calls it).

Prepares the database (``dataset``), then measures in one run, a module per
section: the feed (``feed``), post pages with 200 and 5,000 comments and a
5,000-deep reply chain followed page by page (``posts``), the leaderboard
against its raw-SQL floor and within a tick (``leaderboard``, ``floors``),
the like toggle (``likes``), search (``search``), the inbox (``inbox``),
load through nginx in front of gunicorn (``load_run``, with ``stack`` and
the Locust generator ``load``) and a "viral day" leaderboard (``viral``).
Judges each target (``targets``), prints a table, writes a JSON file and the
figures in docs/benchmarks.md (``report``).
It reports; it never fails because a target is missed, only when the site errs.

A section is a function taking the run's ``harness.Bench``: it adds rows
and details, and keeps the rows the targets judge in ``bench.figures``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from community.models import Comment, Post

from . import api, dataset, feed, inbox, leaderboard, likes, load_run, posts, search, viral
from .harness import BASE_DIR, RESULTS_DIR, Bench, BenchmarkError
from .report import console_lines, machine, update_docs, write_json
from .targets import judge

__all__ = ["BenchmarkError", "main"]

DOCS_PATH = BASE_DIR / "docs" / "benchmarks.md"
LOAD_SECTION = "Load through nginx"
# In the order they run; the load run is left out by `load=False`.
SECTIONS: list[tuple[str, Callable[[Bench], None]]] = [
    ("Feed", feed.run),
    ("Post pages", posts.run),
    ("Deep chain", posts.run_chain),
    ("Leaderboard", leaderboard.run),
    ("JSON API", api.run),
    ("Search", search.run),
    ("Replies to you", inbox.run),
    ("Like toggle", likes.run),
    (LOAD_SECTION, load_run.run),
    ("Viral day", viral.run),
]


def main(
    *,
    tiny: bool = False,
    runs: int | None = None,
    json_path: Path | None = None,
    docs: bool = True,
    load: bool = True,
    reseed: bool = False,
    out: Callable[[str], None] = print,
    err: Callable[[str], None] = print,
) -> Path:
    """
    Run the benchmark on the default database (on a database of its own on
    the same server with `tiny`); return the path of the JSON results.
    Raises BenchmarkError when it cannot go on.
    """
    runs = runs or (3 if tiny else 30)
    if runs < 1:
        raise BenchmarkError("--runs must be at least 1.")
    bench = Bench(tiny=tiny, runs=runs, out=out)
    if load:
        load_run.preflight()

    begun = time.monotonic()
    try:
        data = dataset.prepare(tiny=tiny, reseed=reseed, out=out)
    except dataset.DatasetError as exc:
        raise BenchmarkError(str(exc)) from exc
    bench.data = data
    if data.markers is None:
        raise BenchmarkError("seed_bench left no benchmark markers; cannot find the big thread and chain.")
    out(f"Data: {data.counts}, {data.window_likes:,} likes in the last 24 hours (database {data.database}).")

    started = time.monotonic()
    configure_in_process()
    bench.viewer = get_user_model().objects.filter(is_superuser=False).order_by("id").first()
    bench.client = bench.signed_in_client(bench.viewer)
    for title, section in SECTIONS:
        if title == LOAD_SECTION and not load:
            out("Load run skipped (--no-load).")
        else:
            bench.section(title, section)
    bench.sign_out(bench.client)

    finished = datetime.now(UTC)
    results = {
        "meta": {
            "command": "manage.py bench" + (" --tiny" if tiny else ""),
            "tiny": tiny,
            "runs": runs,
            "finished_at": finished.isoformat(),
            "wall_seconds": round(time.monotonic() - started, 1),
            "total_seconds": round(time.monotonic() - begun, 1),
            "machine": machine(),
            "rate_limits": getattr(settings, "COMMUNITY_RATE_LIMITS", None),
        },
        "dataset": data.as_dict(),
        "rows": bench.rows,
        "details": bench.details,
    }
    results["targets"] = [target.as_dict() for target in judge(bench)]
    for line in console_lines(results):
        out(line)

    path = json_path or RESULTS_DIR / f"bench-{'tiny-' if tiny else ''}{finished:%Y%m%d-%H%M%S}.json"
    write_json(path, results)
    out(f"\nResults: {path}")
    if tiny or not docs:
        out("docs/benchmarks.md not updated (tiny run or --no-docs).")
    elif update_docs(DOCS_PATH, results):
        out(f"Figures written to {DOCS_PATH.relative_to(BASE_DIR)}.")
    else:
        err(f"{DOCS_PATH} has no results markers; figures not written there.")
    return path


def configure_in_process() -> None:
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
