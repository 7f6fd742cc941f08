"""
``manage.py make_moderator <username>``: give a user staff access (so they
can log in to /admin/) and put them in the Moderators group, whose
permissions come from migration 0002.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

GROUP_NAME = "Moderators"


class Command(BaseCommand):
    help = "Make a user a moderator: staff access and membership of the Moderators group."

    def add_arguments(self, parser):
        parser.add_argument("username")

    @transaction.atomic
    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f'There is no user "{username}".') from exc
        try:
            group = Group.objects.get(name=GROUP_NAME)
        except Group.DoesNotExist as exc:
            raise CommandError(
                f'The "{GROUP_NAME}" group is missing: run "manage.py migrate" to create it.'
            ) from exc
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(group)
        self.stdout.write(f"{username} is a moderator: they can log in at /admin/.")
        if not user.is_active:
            self.stderr.write(f"{username}'s account is inactive (banned): they can't log in until unbanned.")
