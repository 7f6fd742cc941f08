"""
The Moderators group, with exactly the permissions moderation needs.

Moderators see, change (remove and restore) and delete posts and comments,
see and delete likes (nobody adds or edits one), and see users and change
their active flag (the user admin limits a moderator's edits to that flag).
`manage.py make_moderator <username>` puts someone in the group.
"""

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Moderators"

USER_APP_LABEL, USER_MODEL_NAME = settings.AUTH_USER_MODEL.lower().split(".")

PERMISSIONS = [
    ("community", "view_post"),
    ("community", "change_post"),
    ("community", "delete_post"),
    ("community", "view_comment"),
    ("community", "change_comment"),
    ("community", "delete_comment"),
    ("community", "view_like"),
    ("community", "delete_like"),
    (USER_APP_LABEL, f"view_{USER_MODEL_NAME}"),
    (USER_APP_LABEL, f"change_{USER_MODEL_NAME}"),
]


def create_moderators_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    # Permissions are normally created after `migrate` finishes (post_migrate);
    # on a fresh database they do not exist yet at this point.
    for app_label in {app_label for app_label, _ in PERMISSIONS}:
        create_permissions(global_apps.get_app_config(app_label), verbosity=0, using=alias, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = []
    for app_label, codename in PERMISSIONS:
        try:
            permissions.append(
                Permission.objects.using(alias).get(content_type__app_label=app_label, codename=codename)
            )
        except Permission.DoesNotExist as exc:
            raise RuntimeError(f"Permission {app_label}.{codename} is missing.") from exc
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def delete_moderators_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_moderators_group, delete_moderators_group),
    ]
