"""
The table of Django's database cache, `community_cache`.

In production without CACHE_URL the site keeps its shared cache (the
leaderboard's answer of the tick) in the database, so every process shares
it; creating the table here makes it ready after `migrate` alone.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "community_cache"


def create(apps, schema_editor):
    # The same table `manage.py createcachetable` makes; it skips a table that exists.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("community", "0006_rate_limit_counter")]

    operations = [migrations.RunPython(create, drop)]
