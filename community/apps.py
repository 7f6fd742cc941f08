from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def migrate_without_statement_timeout(sender, using=None, **kwargs):
    """
    The statement timeout (DJANGO_STATEMENT_TIMEOUT_MS) guards web requests;
    a migration filling a column of a million rows or building an index must
    not be cancelled half-way by it. Lifted for the session that migrates.
    """
    connection = connections[using or "default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def restore_statement_timeout(sender, using=None, **kwargs):
    """After migrating, the session's timeout is the configured one again (RESET: its start-up value)."""
    connection = connections[using or "default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = "Community"

    def ready(self):
        from . import (
            checks,  # noqa: F401 (registers the deploy checks)
            signals,  # noqa: F401 (connects the receivers on the user model)
        )

        pre_migrate.connect(migrate_without_statement_timeout, sender=self)
        post_migrate.connect(restore_statement_timeout, sender=self)
