"""
What the tests share besides fixtures: requests as htmx and logged-in
clients make them, and running the project in a fresh Python process with a
controlled environment.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

# Every test user's password (conftest's make_user).
PASSWORD = "a-long-test-password"

# The header htmx sends with every request it makes: client.get(url, **HTMX).
HTMX = {"HTTP_HX_REQUEST": "true"}


def moderators_group():
    """
    The Moderators group as migration 0002 makes it, made again if it is
    gone: a test that flushes the database (the browser tests' live server)
    removes what migrations wrote.
    """
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db import connection

    migration = importlib.import_module("community.migrations.0002_moderators_group")
    migration.create_moderators_group(apps, SimpleNamespace(connection=connection))
    return Group.objects.get(name="Moderators")


def logged_in(user, **client_options) -> Client:
    """A test client of its own, logged in as `user` (for tests with several people at once)."""
    client = Client(**client_options)
    client.force_login(user)
    return client


# What production looks like to the settings module.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "production-test-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "community.example.org",
}


def run_python(args: list[str], **env) -> subprocess.CompletedProcess:
    """
    Run `python ARGS` in the project with config.settings and `env`, and
    none of the caller's DJANGO_* or DATABASE_* variables.
    """
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def run_django(code: str, **env) -> subprocess.CompletedProcess:
    """Set Django up in a fresh process and run `code` there."""
    return run_python(["-c", f"import django; django.setup(); {code}"], **env)


def redis_available(host: str = "127.0.0.1", port: int = 6379) -> bool:
    """Whether a Redis server answers there (CI starts one; a laptop may not have it)."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def needs_redis():
    """Skip a test where no Redis answers; under CI, where one must, run it and let it fail."""
    import pytest

    return pytest.mark.skipif(
        not redis_available() and not os.environ.get("CI"), reason="needs Redis on 127.0.0.1:6379"
    )


def log_in(client, username, password, ip="192.0.2.1"):
    """Post the log-in form from `ip` (REMOTE_ADDR), as django-axes counts it."""
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
