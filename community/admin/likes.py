"""
Likes in the moderation admin: read-only rows that moderators delete when
abusive, and the leaderboard audit, a reading of the likes.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst

from ..models import Comment, Like, Post
from ..selectors.karma import karma_window_start
from ..selectors.moderation import NEW_ACCOUNT_AGE, leaderboard_audit
from .large_tables import LargeTableAdmin, site_page_link, user_change_link


class LikeTargetFilter(admin.SimpleListFilter):
    title = "target type"
    parameter_name = "target"
    models = {"post": Post, "comment": Comment}

    def lookups(self, request, model_admin):
        return [(name, capfirst(model._meta.verbose_name_plural)) for name, model in self.models.items()]

    def queryset(self, request, queryset):
        model = self.models.get(self.value())
        return queryset.for_target_type(model) if model is not None else queryset


@admin.register(Like)
class LikeAdmin(LargeTableAdmin):
    """
    Likes are read-only: moderators see who liked what and delete abusive
    likes (karma is computed from the rows, so it changes at once), but
    nobody adds or edits one.
    """

    list_display = ["id", "created_at", "user_link", "target_link", "receiver_link", "site_link"]
    list_display_links = ["id", "created_at"]
    list_filter = [LikeTargetFilter, ("created_at", admin.DateFieldListFilter)]
    ordering = ["-created_at", "-id"]
    search_fields = ["^user__username", "^receiver__username", "=id"]
    search_help_text = (
        '"@name": every like that user gave or received. Other words: the start of the username '
        "of the liker or of the receiver; a number: also the like with that id."
    )
    fields = ["user", "target_link", "receiver", "created_at"]
    readonly_fields = ["target_link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "receiver", "target_type")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="liked by")
    def user_link(self, like):
        return user_change_link(like.user_id, like.user.username)

    @admin.display(description="liked")
    def target_link(self, like):
        target_type = ContentType.objects.get_for_id(like.target_type_id)
        return format_html(
            '<a href="{}">{} #{}</a>',
            reverse(f"admin:{target_type.app_label}_{target_type.model}_change", args=[like.target_id]),
            target_type.model_class()._meta.verbose_name,
            like.target_id,
        )

    @admin.display(description="whose content")
    def receiver_link(self, like):
        return user_change_link(like.receiver_id, like.receiver.username)

    @admin.display(description="site")
    def site_link(self, like):
        model = ContentType.objects.get_for_id(like.target_type_id).model_class()
        return site_page_link(model(pk=like.target_id).get_absolute_url())

    # The leaderboard audit lives here: it is a reading of the likes.

    def get_urls(self):
        return [
            path("audit/", self.admin_site.admin_view(self.audit_view), name="community_like_audit"),
            *super().get_urls(),
        ]

    def audit_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        since = karma_window_start(now)
        changelist = reverse("admin:community_like_changelist")
        rows = leaderboard_audit(now=now)
        for row in rows:
            row.likes_url = f"{changelist}?" + urlencode(
                {"receiver__id__exact": row.entry.user_id, "created_at__gte": since.isoformat()}
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Leaderboard audit",
            "subtitle": None,
            "opts": self.opts,
            "rows": rows,
            "now": now,
            "since": since,
            "new_account_hours": round(NEW_ACCOUNT_AGE.total_seconds() / 3600),
        }
        return TemplateResponse(request, "admin/community/like/audit.html", context)
