"""
Comments in the moderation admin: moderators remove and restore them (the
thread keeps a tombstone) and delete them with every reply below.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from .. import rules
from ..models import Comment, CommentQuerySet, Like, like_annotations
from ..services.moderation import comments_purge, comments_remove, comments_restore
from .large_tables import AuthoredAdmin, SpanDatesMixin, excerpt_of, site_page_link, user_change_link


class ModerationCommentQuerySet(SpanDatesMixin, CommentQuerySet):
    pass


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["post", "parent", "author", "content"]

    def clean(self):
        cleaned = super().clean()
        post, parent = cleaned.get("post"), cleaned.get("parent")
        if parent is not None and post is not None and parent.post_id != post.pk:
            raise forms.ValidationError({"parent": "The parent must be a comment of the same post."})
        if parent is not None and self.instance.pk is not None:
            if parent.pk == self.instance.pk:
                raise forms.ValidationError({"parent": "A comment can't reply to itself."})
            # The walk up from the parent reads the parent's post: one query
            # for a chain of any depth.
            parent_ids = dict(Comment.objects.filter(post_id=parent.post_id).values_list("id", "parent_id"))
            if rules.closes_reply_loop(parent, self.instance, parent_ids=parent_ids):
                raise forms.ValidationError({"parent": "A comment can't reply to one of its own replies."})
        return cleaned


@admin.register(Comment)
class CommentAdmin(AuthoredAdmin):
    form = CommentForm
    list_display = [
        "id",
        "excerpt",
        "author_link",
        "post_link",
        "parent_link",
        "created_at",
        "like_count",
        "reply_count",
        "state_label",
        "site_link",
    ]
    list_display_links = ["id", "excerpt"]
    list_filter = ["state", ("created_at", admin.DateFieldListFilter)]
    date_hierarchy = "created_at"
    search_fields = ["^author__username", "@content", "=id"]
    ordering = ["-created_at", "-id"]
    raw_id_fields = ["post", "parent", "author"]
    fields = ["post", "parent", "author", "content", "state", "created_at", "edited_at", "state_changed_at"]
    # State changes go through the remove and restore actions, which keep
    # `state_changed_at` and the admin log right.
    readonly_fields = ["state", "created_at", "edited_at", "state_changed_at"]
    actions = ["remove_comments", "restore_comments"]

    def get_queryset(self, request):
        reply_count = Subquery(
            Comment.objects.filter(parent=OuterRef("pk"))
            .order_by()
            .values("parent")
            .annotate(n=Count("*"))
            .values("n"),
            output_field=models.IntegerField(),
        )
        queryset = ModerationCommentQuerySet(Comment).select_related("author")
        queryset = queryset.annotate(reply_count=Coalesce(reply_count, 0))
        return like_annotations(queryset, model=Comment, viewer=None)

    @admin.display(description="content")
    def excerpt(self, comment):
        return excerpt_of(comment.content)

    @admin.display(description="author")
    def author_link(self, comment):
        return user_change_link(comment.author_id, comment.author.username if comment.author else None)

    @admin.display(description="post")
    def post_link(self, comment):
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:community_post_change", args=[comment.post_id]),
            comment.post_id,
        )

    @admin.display(description="reply to")
    def parent_link(self, comment):
        if comment.parent_id is None:
            return "—"
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:community_comment_change", args=[comment.parent_id]),
            comment.parent_id,
        )

    @admin.display(description="likes")
    def like_count(self, comment):
        return comment.like_count

    @admin.display(description="replies")
    def reply_count(self, comment):
        return comment.reply_count

    # Not sortable: sorting a million rows by state has no index to use.
    @admin.display(description="state")
    def state_label(self, comment):
        return comment.get_state_display()

    @admin.display(description="site")
    def site_link(self, comment):
        return site_page_link(comment.get_absolute_url())

    # Removing and restoring: the thread keeps a tombstone, and the
    # comment's likes stop (or start again) counting toward karma.

    @admin.action(description="Remove selected comments", permissions=["change"])
    def remove_comments(self, request, queryset):
        changed = self._change_state(
            request,
            queryset,
            service=comments_remove,
            from_state=Comment.State.VISIBLE,
            message="Removed by a moderator.",
        )
        self._report(request, queryset, changed, "removed", "already hidden")

    @admin.action(description="Restore selected comments", permissions=["change"])
    def restore_comments(self, request, queryset):
        changed = self._change_state(
            request,
            queryset,
            service=comments_restore,
            from_state=Comment.State.REMOVED,
            message="Restored by a moderator.",
        )
        self._report(request, queryset, changed, "restored", "not removed by a moderator")

    @transaction.atomic
    def _change_state(self, request, queryset, *, service, from_state, message) -> int:
        targets = list(
            Comment.objects.select_for_update()
            .filter(pk__in=queryset.filter(state=from_state).values("pk"))
            .only("id", "post_id")
        )
        if not targets:
            return 0
        service(comments=Comment.objects.filter(pk__in=[comment.pk for comment in targets]))
        LogEntry.objects.log_actions(
            user_id=request.user.pk, queryset=targets, action_flag=CHANGE, change_message=message
        )
        return len(targets)

    def _report(self, request, queryset, changed, verb, skipped_reason):
        selected = queryset.count()
        text = f"{changed} comment{'s' if changed != 1 else ''} {verb}."
        if selected > changed:
            text += f" {selected - changed} skipped ({skipped_reason})."
        self.message_user(request, text, messages.SUCCESS if changed else messages.WARNING)

    # The same two actions as buttons on a comment's own page, where the
    # site's "Moderate" links lead.

    def get_urls(self):
        return [
            path(
                "<path:object_id>/remove/",
                self.admin_site.admin_view(self.state_view),
                {"action": "remove_comments"},
                name="community_comment_remove",
            ),
            path(
                "<path:object_id>/restore/",
                self.admin_site.admin_view(self.state_view),
                {"action": "restore_comments"},
                name="community_comment_restore",
            ),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def state_view(self, request, object_id, action):
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            raise Http404("No such comment.")
        if not self.has_change_permission(request, comment):
            raise PermissionDenied
        getattr(self, action)(request, Comment.objects.filter(pk=comment.pk))
        return HttpResponseRedirect(reverse("admin:community_comment_change", args=[comment.pk]))

    def get_deleted_objects(self, objs, request):
        """
        Deleting comments (`services.comments_purge`) takes every reply below
        them and all their likes; the confirmation says so instead of walking
        each like.
        """
        comments = list(objs)
        listed = [
            format_html(
                '{}: <a href="{}">{}</a>',
                capfirst(Comment._meta.verbose_name),
                reverse("admin:community_comment_change", args=[comment.pk]),
                comment,
            )
            for comment in comments
        ]
        counts = {
            Comment._meta.verbose_name_plural: f"{len(comments)}, with every reply below them",
            Like._meta.verbose_name_plural: "every like of those comments",
        }
        perms_needed = set() if request.user.has_perm("community.delete_like") else {Like._meta.verbose_name}
        return listed, counts, perms_needed, []

    def delete_model(self, request, obj):
        comments_purge(comments=Comment.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        comments_purge(comments=queryset)
