"""
Receivers that keep what goes with a user in step with the user's row,
however it is saved: sign-up, the admin's forms, the shell, `create_user`.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .services.accounts import username_skeleton_sync
from .services.users import user_sessions_delete

User = get_user_model()


def _saves(field: str, update_fields) -> bool:
    return update_fields is None or field in update_fields


@receiver(pre_save, sender=User, dispatch_uid="community.note_deactivation")
def note_deactivation(sender, instance, raw=False, update_fields=None, **kwargs):
    """
    Notice a save that turns an active account off, for `user_saved` to end
    its sessions once the row is written. Costs one query, and only when the
    row being saved says inactive: a log-in's `last_login` save costs none.
    """
    instance._deactivating = (
        not raw
        and instance.pk is not None
        and not instance.is_active
        and _saves("is_active", update_fields)
        and sender._default_manager.filter(pk=instance.pk, is_active=True).exists()
    )


@receiver(post_save, sender=User, dispatch_uid="community.user_saved")
def user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """End the sessions of a deactivated account; keep its username's skeleton current."""
    if raw:
        return
    if instance.__dict__.pop("_deactivating", False):
        user_sessions_delete(users=[instance])
    if created or _saves("username", update_fields):
        username_skeleton_sync(user=instance, created=created)
