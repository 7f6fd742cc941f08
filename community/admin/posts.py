"""Posts in the moderation admin: a post is deleted outright, with its whole discussion."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from ..models import Comment, Like, Post, PostQuerySet
from ..services.posts import post_delete
from .large_tables import AuthoredAdmin, SpanDatesMixin, excerpt_of, site_page_link, user_change_link


class ModerationPostQuerySet(SpanDatesMixin, PostQuerySet):
    pass


class EditedFilter(admin.SimpleListFilter):
    """Posts have no moderation state (a post is deleted outright); this is their only state."""

    title = "state"
    parameter_name = "edited"

    def lookups(self, request, model_admin):
        return [("yes", "Edited"), ("no", "Never edited")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(edited_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(edited_at__isnull=True)
        return queryset


@admin.register(Post)
class PostAdmin(AuthoredAdmin):
    list_display = [
        "id",
        "excerpt",
        "author_link",
        "created_at",
        "like_count",
        "comment_count",
        "state",
        "site_link",
    ]
    list_display_links = ["id", "excerpt"]
    list_filter = [("created_at", admin.DateFieldListFilter), EditedFilter]
    date_hierarchy = "created_at"
    search_fields = ["^author__username", "@content", "=id"]
    ordering = ["-created_at", "-id"]
    raw_id_fields = ["author"]
    fields = ["author", "content", "created_at", "edited_at"]
    readonly_fields = ["created_at", "edited_at"]

    def get_queryset(self, request):
        return ModerationPostQuerySet(Post).with_counts()

    @admin.display(description="content")
    def excerpt(self, post):
        return excerpt_of(post.content)

    @admin.display(description="author")
    def author_link(self, post):
        return user_change_link(post.author_id, post.author.username)

    @admin.display(description="likes")
    def like_count(self, post):
        return post.like_count

    @admin.display(description="comments")
    def comment_count(self, post):
        return post.comment_count

    @admin.display(description="state")
    def state(self, post):
        return "edited" if post.edited_at else "—"

    @admin.display(description="site")
    def site_link(self, post):
        return site_page_link(post.get_absolute_url())

    def get_deleted_objects(self, objs, request):
        """
        What deleting these posts takes with them, from three counts rather
        than Django's walk over every comment and like (a busy post has
        thousands).
        """
        posts = list(objs)
        post_ids = [post.pk for post in posts]
        comments = Comment.objects.filter(post_id__in=post_ids)
        comment_count = comments.count()
        # Two counts, each from the (target_type, target_id) index; one
        # count with an OR of the two reads the whole likes table.
        like_count = (
            Like.objects.for_target_type(Post).filter(target_id__in=post_ids).count()
            + Like.objects.for_target_type(Comment).filter(target_id__in=comments.values("id")).count()
        )
        listed = [
            format_html(
                '{}: <a href="{}">{}</a>',
                capfirst(Post._meta.verbose_name),
                reverse("admin:community_post_change", args=[post.pk]),
                post,
            )
            for post in posts
        ]
        counts = {
            Post._meta.verbose_name_plural: len(posts),
            Comment._meta.verbose_name_plural: comment_count,
            Like._meta.verbose_name_plural: like_count,
        }
        perms_needed = {
            model._meta.verbose_name
            for model, count in [(Comment, comment_count), (Like, like_count)]
            if count and not request.user.has_perm(f"{model._meta.app_label}.delete_{model._meta.model_name}")
        }
        return listed, counts, perms_needed, []

    def delete_model(self, request, obj):
        post_delete(post=obj, user=None)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for post in queryset:
            post_delete(post=post, user=None)
