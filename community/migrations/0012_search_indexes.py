"""
GIN indexes of the text-search vectors of posts and comments, for search
(`selectors.search`) on PostgreSQL. Each indexes exactly the expression the
search filters on, `to_tsvector('english', COALESCE(content, ''))`, which
is how PostgreSQL knows to use it. Built CONCURRENTLY, so writes go on while
a large table is indexed (hence a non-atomic migration). SQLite has no
text search: there the search falls back to `icontains` and nothing is made.
"""

from django.db import migrations

INDEXES = {
    "post_search_idx": "community_post",
    "comment_search_idx": "community_comment",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
            "USING gin (to_tsvector('english'::regconfig, COALESCE(content, ''::text)))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("community", "0011_post_visit"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
