"""Production defaults: a cache every process shares, and the deploy check that says so."""

import pytest
from django.db import connection

from community.tests.helpers import PRODUCTION_ENV, run_django, run_python


def _check_deploy(**env):
    return run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV, **env)


def test_production_without_cache_url_shares_the_database_cache():
    result = run_django(
        "from django.conf import settings; "
        "c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.db.DatabaseCache", "community_cache"]


def test_development_without_cache_url_uses_memory():
    result = run_django(
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])", DJANGO_DEBUG="1"
    )
    assert result.stdout.strip() == "django.core.cache.backends.locmem.LocMemCache"


def test_check_deploy_warns_about_a_per_process_cache():
    assert _check_deploy().returncode == 0
    refused = _check_deploy(CACHE_URL="locmem://")
    assert refused.returncode != 0
    assert "community.W001" in refused.stderr + refused.stdout


def test_check_deploy_accepts_redis():
    assert _check_deploy(CACHE_URL="redis://127.0.0.1:6379/0").returncode == 0


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's")
def test_migrations_run_without_the_requests_statement_timeout(db):
    """A data migration over a large table must not be cancelled half-way by the web's timeout."""
    from community.apps import migrate_without_statement_timeout, restore_statement_timeout

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 5000")
        migrate_without_statement_timeout(sender=None, using="default")
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
        restore_statement_timeout(sender=None, using="default")
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "0"
