"""
Restart PostgreSQL under a running site and check that no request fails once it is back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/pg_restart_check.py [--workers 3] [--cluster "15 main"]

It creates a scratch database (pg_restart_check), migrates it, and serves it
as production does, with production error handling (DEBUG off): gunicorn
with deploy/gunicorn.conf.py behind nginx with the site's server block, on
loopback ports (benchmarks/stack.py; nginx must be installed). It makes
every worker open its persistent connection, restarts the PostgreSQL
cluster with pg_ctlcluster, waits until it accepts connections again, then
sends requests through nginx and counts the answers that are not 200. Exits
0 when there are none.

Every session on the server is cut by the restart, including other people's
test runs: run it only on a machine where that is acceptable. The pytest
wrapper (community/tests/test_faults.py) runs it only with
COMMUNITY_ALLOW_PG_RESTART=1.

`--without-health-checks` runs the same check with CONN_HEALTH_CHECKS off,
to show that the check detects the failure it guards against (expect a 500
from each worker that held a connection).
"""

# This script exists to run programs (psql, gunicorn, pg_ctlcluster) found on PATH.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
# Run as a script (benchmarks/ first on sys.path): the project's root too.
sys.path.insert(0, str(ROOT))

from benchmarks.stack import StackError, serve  # noqa: E402

SCRATCH_DB = "pg_restart_check"
LOG_PATH = ROOT / "bench-results" / "pg_restart_gunicorn.log"
PATHS = ["/", "/leaderboard/", "/healthz"]


def log(message: str) -> None:
    print(f"[pg-restart] {message}", flush=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def psql(admin_url: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", admin_url, "-v", "ON_ERROR_STOP=1", "-qtAc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def open_connections(admin_url: str) -> int:
    sql = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{SCRATCH_DB}'"  # noqa: S608 (a constant)
    return int(psql(admin_url, sql))


def get(base: str, path: str) -> int:
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # no answer at all


def burst(base: str, count: int, workers: int) -> dict[int, int]:
    """`count` requests over PATHS, `workers` at a time; how many got each status."""
    statuses: dict[int, int] = {}
    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        for status in pool.map(lambda i: get(base, PATHS[i % len(PATHS)]), range(count)):
            statuses[status] = statuses.get(status, 0) + 1
    return statuses


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def pg_ready(admin_url: str) -> bool:
    parts = urlsplit(admin_url)
    result = subprocess.run(
        ["pg_isready", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)], check=False
    )
    return result.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
    parser.add_argument("--cluster", default=None, help='pg_ctlcluster version and name, e.g. "15 main"')
    parser.add_argument("--requests", type=int, default=90, help="requests after the restart (default 90)")
    parser.add_argument("--without-health-checks", action="store_true", help="turn CONN_HEALTH_CHECKS off")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must point at PostgreSQL")
    cluster = (args.cluster or _default_cluster()).split()
    site_url = with_database(admin_url, SCRATCH_DB)
    python = sys.executable

    settings_dir = tempfile.mkdtemp(prefix="pg-restart-")
    # Production error handling (DEBUG off) without collected static files or HTTPS.
    Path(settings_dir, "pg_restart_settings.py").write_text(
        "from config.test_settings import *  # noqa\n"
        f"DATABASES['default']['CONN_HEALTH_CHECKS'] = {not args.without_health_checks}\n"
        "DATABASES['default']['CONN_MAX_AGE'] = 600\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([settings_dir, str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "pg_restart_settings",
        "DJANGO_DEBUG": "0",
        # Set here: an empty one inherited from a .env would stop the site.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": site_url,
    }

    log(f"scratch database {SCRATCH_DB}")
    psql(admin_url, f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
    psql(admin_url, f"CREATE DATABASE {SCRATCH_DB}")
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)

    try:
        with serve(env, workers=args.workers, log_path=LOG_PATH) as site:
            log(f"nginx on {site.base_url} in front of gunicorn ({args.workers} workers), log {LOG_PATH}")
            return check(site.base_url, admin_url, cluster, args)
    except StackError as exc:
        log(f"could not serve the site: {exc}")
        return 2
    finally:
        shutil.rmtree(settings_dir, ignore_errors=True)
        wait_for(lambda: pg_ready(admin_url), "PostgreSQL before clean-up")
        psql(admin_url, f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def check(base: str, admin_url: str, cluster: list[str], args) -> int:
    """Requests through `base` before and after a restart of the cluster: 0 when none failed after."""
    # Until every worker holds a persistent connection, the state a
    # restart breaks.
    for _ in range(10):
        before = burst(base, 60, args.workers)
        if set(before) != {200}:
            log(f"requests failed before the restart ({before}); giving up")
            return 2
        if open_connections(admin_url) >= args.workers:
            break
    log(f"before the restart: {before}, {open_connections(admin_url)} connections open")

    log(f"restarting PostgreSQL cluster {' '.join(cluster)}")
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"], check=True)
    wait_for(lambda: pg_ready(admin_url), "PostgreSQL to accept connections")
    log("PostgreSQL is back")

    after = burst(base, args.requests, args.workers)
    failed = sum(count for status, count in after.items() if status != 200)
    log(f"after the restart: {after}")
    if failed:
        log(f"FAIL: {failed} of {args.requests} requests failed after PostgreSQL was back")
        return 1
    log(f"OK: all {args.requests} requests succeeded after PostgreSQL was back")
    return 0


def _default_cluster() -> str:
    """The first cluster pg_lsclusters lists, as "version name"."""
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True)
    version, name, *_ = listing.stdout.split()
    return f"{version} {name}"


if __name__ == "__main__":
    sys.exit(main())
