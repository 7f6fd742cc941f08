"""
Bans: deactivating accounts, and what must go with an account's access.

However an account is deactivated, its sessions go: `users_ban` deletes
them itself (a QuerySet update sends no signals), and any save of a user
that turns `is_active` off (the user admin's form, the shell) does so
through `community.signals`.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

User = get_user_model()


@transaction.atomic
def users_ban(*, users) -> list:
    """
    Deactivate accounts and delete their sessions. Django's ModelBackend
    already answers an inactive user's session with an anonymous user, but
    the session row would outlive the ban, and an unban would log back in
    whoever held it (say, whoever took over the account). Returns the users
    that were active.
    """
    banned = [user for user in users if user.is_active]
    User.objects.filter(pk__in=[user.pk for user in banned]).update(is_active=False)
    user_sessions_delete(users=banned)
    return banned


def user_sessions_delete(*, users) -> None:
    """
    Delete the unexpired database sessions logged in as any of `users`.

    A session is stored signed and encoded, not by user, so each is decoded
    (tens of microseconds each): a ban is rare, and seconds for a site with
    100,000 live sessions is acceptable for it.
    """
    user_ids = {str(user.pk) for user in users}
    if not user_ids:
        return
    doomed = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=2000)
        if str(session.get_decoded().get(SESSION_KEY)) in user_ids
    ]
    Session.objects.filter(pk__in=doomed).delete()


@transaction.atomic
def users_unban(*, users) -> list:
    """Reactivate banned accounts; returns the users that were inactive."""
    unbanned = [user for user in users if not user.is_active]
    User.objects.filter(pk__in=[user.pk for user in unbanned]).update(is_active=True)
    return unbanned
