import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Each of these foreign keys leads a wider index of its table (or, for
# parent, an index of the same column), so its own index only costs a
# write on every post or comment. As in 0005: the indexes alone are
# dropped, since Django's AlterField would also drop and re-add each
# foreign key and validate every row again.
REDUNDANT = [
    ("community_post_author_id_a6c5f564", "community_post", "author_id"),
    ("community_comment_post_id_12b521a8", "community_comment", "post_id"),
    ("community_comment_parent_id_2fd9f894", "community_comment", "parent_id"),
    ("community_comment_author_id_51c65c2a", "community_comment", "author_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0013_search_vector_column"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="post",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="posts",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="post",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="community.post",
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="parent",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="replies",
                        to="community.comment",
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="author",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="comments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in REDUNDANT
            ],
        ),
    ]
