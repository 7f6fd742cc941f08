"""
Users in the moderation admin: Django's user admin with each user's karma,
and bans (`services.users`) that moderators may apply to ordinary accounts.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..selectors.karma import karma_for_users
from ..services.users import users_ban, users_unban
from .large_tables import EmptyToFieldMixin

User = get_user_model()


class KarmaChangeList(ChangeList):
    """The user list, with each row's karma from one `selectors.karma.karma_for_users` query per page."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        karma = karma_for_users([user.pk for user in self.result_list])
        for user in self.result_list:
            user.karma = karma[user.pk]


admin.site.unregister(User)


@admin.register(User)
class ModerationUserAdmin(EmptyToFieldMixin, UserAdmin):
    """
    Django's user admin with karma and bans. A moderator (not a superuser)
    changes only the active flag, and only of accounts that are not staff
    and not their own; passwords stay with superusers.
    """

    list_display = [
        "username",
        "email",
        "karma_recent",
        "karma_all_time",
        "date_joined",
        "is_active",
        "is_staff",
        "activity_links",
    ]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        ("date_joined", admin.DateFieldListFilter),
    ]
    actions = ["ban_users", "unban_users"]

    moderator_fieldsets = [
        (None, {"fields": ["username", "first_name", "last_name", "email"]}),
        (
            "Status",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "last_login", "date_joined"]},
        ),
    ]

    def get_changelist(self, request, **kwargs):
        return KarmaChangeList

    @admin.display(description="karma (24 h)")
    def karma_recent(self, user):
        return format_html('<span title="{}">{}</span>', user.karma.recent.receipt, user.karma.recent.total)

    @admin.display(description="karma (all time)")
    def karma_all_time(self, user):
        return format_html(
            '<span title="{}">{}</span>', user.karma.all_time.receipt, user.karma.all_time.total
        )

    @admin.display(description="moderate")
    def activity_links(self, user):
        links = [
            ("posts", "admin:community_post_changelist", "author__id__exact"),
            ("comments", "admin:community_comment_changelist", "author__id__exact"),
            ("likes received", "admin:community_like_changelist", "receiver__id__exact"),
            ("likes given", "admin:community_like_changelist", "user__id__exact"),
        ]
        rows = ((reverse(url), param, user.pk, text) for text, url, param in links)
        return format_html_join(" · ", '<a href="{}?{}={}">{}</a>', rows)

    def may_ban(self, request, user) -> bool:
        if user.pk == request.user.pk:
            return False
        return request.user.is_superuser or not (user.is_staff or user.is_superuser)

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return self.moderator_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        fields = [name for _, options in self.moderator_fieldsets for name in options["fields"]]
        if obj is not None and self.may_ban(request, obj):
            fields.remove("is_active")
        return fields

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Ban selected users", permissions=["change"])
    def ban_users(self, request, queryset):
        self._set_active(request, queryset, users_ban, "banned", "Banned: deactivated, sessions deleted.")

    @admin.action(description="Unban selected users", permissions=["change"])
    def unban_users(self, request, queryset):
        self._set_active(request, queryset, users_unban, "unbanned", "Unbanned: reactivated.")

    @transaction.atomic
    def _set_active(self, request, queryset, service, verb, log_message):
        users = list(queryset.select_for_update())
        allowed = [user for user in users if self.may_ban(request, user)]
        changed = service(users=allowed)
        if changed:
            LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=changed, action_flag=CHANGE, change_message=log_message
            )
        text = f"{len(changed)} user{'s' if len(changed) != 1 else ''} {verb}."
        if len(users) > len(allowed):
            text += f" {len(users) - len(allowed)} skipped (your own account, staff or superusers)."
        self.message_user(request, text, messages.SUCCESS if changed else messages.WARNING)
