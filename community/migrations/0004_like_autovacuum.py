from django.db import migrations

# The leaderboard reads the likes table by an index-only scan, which stays
# index-only only while the visibility map is current. PostgreSQL's default
# vacuums an insert-only table after ~20% new rows (about a week of likes
# at 166k a day); until then every recent like is read from the heap too.
# Vacuum after every 10,000 new likes instead.
SETTINGS = "autovacuum_vacuum_insert_threshold = 10000, autovacuum_vacuum_insert_scale_factor = 0"


def tune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE community_like SET ({SETTINGS})")


def untune(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE community_like RESET (autovacuum_vacuum_insert_threshold, autovacuum_vacuum_insert_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [("community", "0003_comment_created_idx")]

    operations = [migrations.RunPython(tune, untune)]
