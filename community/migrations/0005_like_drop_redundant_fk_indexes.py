import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Each foreign key of Like leads a wider index (like_receiver_idx,
# like_target_idx, like_once_per_target), so its own single-column index
# only costs writes. Dropping the index alone: Django's AlterField would
# also drop and re-add the foreign key, validating every like again.
REDUNDANT = [
    ("community_like_receiver_id_e0771c3f", "receiver_id"),
    ("community_like_target_type_id_036266b1", "target_type_id"),
    ("community_like_user_id_690d9f50", "user_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0004_like_autovacuum"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="like",
                    name="receiver",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="likes_received",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="like",
                    name="target_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="contenttypes.contenttype",
                    ),
                ),
                migrations.AlterField(
                    model_name="like",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="likes_given",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "community_like" ("{column}")',
                )
                for name, column in REDUNDANT
            ],
        ),
    ]
