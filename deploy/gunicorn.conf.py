"""
gunicorn's settings for the site (gunicorn -c deploy/gunicorn.conf.py).

Sync workers behind nginx, which buffers every request and response: a
worker is busy only while Django runs, never while a client is slow.
Each value can be set from the environment.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: about one per core plus one. On 2 cores, 3 beat 5 or 8
# (docs/benchmarks.md), since each request is CPU work, not waiting.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# nginx keeps connections to gunicorn open between requests.
keepalive = 5
# Load the site once in the master and fork the workers from it: a worker
# starts in milliseconds, not the second or so a fresh Django import takes.
# (No connection is opened at import time, so none is shared by the fork.)
preload_app = True
# Recycle workers now and then, so a slow leak never grows for weeks; at a
# few hundred requests a second that is every few minutes, which a forked
# worker makes cheap.
max_requests = 50000
max_requests_jitter = 5000
# Heartbeat files in memory, not on a disk that may stall.
_SHM = "/dev/shm"  # noqa: S108 (gunicorn's own advice for its heartbeat files)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# nginx sets X-Forwarded-*; trust them from these addresses only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No run-time control socket: nothing here uses it, and two gunicorns on one
# host would otherwise contend for the same default path.
control_socket_disable = True
