"""
Moderation in the Django admin.

Moderators (the `Moderators` group, see migration 0002 and `manage.py
make_moderator`) remove and restore comments, delete posts and abusive
likes, ban users and audit the leaderboard from here. The lists are built
for the benchmark's size (100k posts, 1M comments, 5M likes): counts come
from subqueries, never from joins that multiply rows; foreign keys are raw
id inputs; and nothing counts a whole large table (see
`LargeTablePaginator`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models, transaction
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator, capfirst, smart_split, unescape_string_literal
from django.views.decorators.http import require_POST

from .models import Comment, CommentQuerySet, Like, Post, PostQuerySet, like_annotations
from .selectors import karma as karma_selectors
from .services.moderation import comments_purge, comments_remove, comments_restore
from .services.posts import post_delete

User = get_user_model()

EXCERPT_LENGTH = 80
AUDIT_SIZE = 20


# --- Large tables -------------------------------------------------------------


class LargeTablePaginator(Paginator):
    """
    A paginator that never counts a whole large table.

    Unfiltered, on PostgreSQL, the count is the planner's estimate of the
    table's rows (`pg_class.reltuples`, kept up to date by autovacuum) when
    that is at least `estimate_above`, and a real count of the (small) table
    otherwise, in one query either way. Filtered (a search, a filter, a
    date), it first reads the first page plus one row: when that is all
    there is, it is the count and the first page at once, so a search that
    finds a few rows scans the table once, not twice; otherwise the count is
    real but stops at `count_cap` rows. On other databases an unfiltered
    list gets a real count.
    """

    estimate_above = 10_000
    count_cap = 10_000

    @cached_property
    def is_filtered(self) -> bool:
        return bool(self.object_list.query.where)

    @cached_property
    def head(self) -> list:
        """The first page and one row more, as model instances."""
        return list(self.object_list[: self.per_page + 1])

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if not self.is_filtered:
            if connection.vendor != "postgresql":
                return queryset.count()
            table = connection.ops.quote_name(queryset.model._meta.db_table)
            # The scalar subquery is an InitPlan: PostgreSQL only runs it
            # when the estimate is below the threshold.
            sql = (
                "SELECT CASE WHEN reltuples >= %s THEN reltuples::bigint "  # noqa: S608 (a quoted table name)
                f"ELSE (SELECT COUNT(*) FROM {table}) END FROM pg_class WHERE oid = %s::regclass"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [self.estimate_above, table])
                return cursor.fetchone()[0]
        if len(self.head) <= self.per_page:
            return len(self.head)
        return queryset.order_by().values("pk")[: self.count_cap].count()

    def page(self, number):
        number = self.validate_number(number)
        if number == 1 and "head" in self.__dict__:
            return self._get_page(self.head[: self.per_page], number, self)
        return super().page(number)


class LargeTableChangeList(ChangeList):
    """
    A change list that shows the rows its paginator already read when they
    are all there is, and no date hierarchy while searching: the hierarchy
    would read every match of the search twice more (its first and last
    date), where a plain list reads them once.
    """

    def get_results(self, request):
        super().get_results(request)
        if not self.multi_page and not self.show_all and "head" in self.paginator.__dict__:
            self.result_list = self.paginator.head
        if self.query:
            self.date_hierarchy = None


class SpanDatesMixin:
    """
    `datetimes()` as the admin's date hierarchy uses it, without a DISTINCT
    over every row: each period from the first to the last row, both found
    at the ends of the `created_at` index. On a site with activity every day
    these are the same periods; a day without rows would be listed too.
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        span = self.aggregate(first=Min(field_name), last=Max(field_name))
        if span["first"] is None:
            return []
        tzinfo = tzinfo or timezone.get_current_timezone()
        first = timezone.localtime(span["first"], tzinfo).date()
        last = timezone.localtime(span["last"], tzinfo).date()
        if kind == "year":
            first = first.replace(month=1, day=1)
        elif kind == "month":
            first = first.replace(day=1)
        periods = []
        current = first
        while current <= last:
            periods.append(datetime.datetime.combine(current, datetime.time.min, tzinfo))
            if kind == "year":
                current = current.replace(year=current.year + 1)
            elif kind == "month":
                current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            else:
                current += datetime.timedelta(days=1)
        return periods if order == "ASC" else periods[::-1]


class ModerationPostQuerySet(SpanDatesMixin, PostQuerySet):
    pass


class ModerationCommentQuerySet(SpanDatesMixin, CommentQuerySet):
    pass


class LargeTableAdmin(admin.ModelAdmin):
    """
    Defaults for the lists of the large community tables.

    Searching: "@name" lists one author's rows newest first from the
    (author, created_at) index; any other words match the start of the
    author's username or any part of the content, which reads the whole
    table (1.5-2 s for a million comments on an idle 2-core machine, several
    times that on a busy one; a pg_trgm index would be the next step). A
    search lists rows by id, newest first as ids grow with time: that reads
    the table in storage order, where walking the created_at index would
    fetch every row from a random place.
    """

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_per_page = 50
    search_help_text = (
        '"@name": everything by that user. Other words: the start of a username or any part of the text.'
    )

    def get_changelist(self, request, **kwargs):
        return LargeTableChangeList

    def get_ordering(self, request):
        terms = _search_terms(request.GET.get(SEARCH_VAR, ""))
        if terms and _author_searched(terms) is None:
            return ["-pk"]
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """
        `search_fields` (`^author__username`, `content`), with the authors
        found first: Django's own search joins every row to its author,
        which on PostgreSQL became a million index lookups.
        """
        terms = _search_terms(search_term)
        username = _author_searched(terms)
        if username is not None:
            # The author's id first, so the list comes from the index on
            # (author, created_at).
            author_ids = User.objects.filter(username__iexact=username).values_list("pk", flat=True)
            return queryset.filter(author_id__in=list(author_ids)), False
        for term in terms:
            authors = User.objects.filter(username__istartswith=term).values("pk")
            queryset = queryset.filter(Q(author_id__in=authors) | Q(content__icontains=term))
        return queryset, False


def _search_terms(search_term: str) -> list[str]:
    """Words of a search, with quoted phrases kept whole (as Django's admin splits them)."""
    return [
        unescape_string_literal(bit) if bit[0] in "\"'" and bit[0] == bit[-1] else bit
        for bit in smart_split(search_term)
    ]


def _author_searched(terms: list[str]) -> str | None:
    """The username of an "@name" search, None for any other search."""
    if len(terms) == 1 and terms[0].startswith("@") and len(terms[0]) > 1:
        return terms[0][1:]
    return None


# --- Shared columns -------------------------------------------------------------


def _excerpt(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(EXCERPT_LENGTH)


def _user_link(user_id, username):
    if user_id is None:
        return "[deleted account]"
    return format_html('<a href="{}">{}</a>', reverse("admin:auth_user_change", args=[user_id]), username)


def _site_link(url):
    return format_html('<a href="{}">view on site</a>', url)


# --- Posts ------------------------------------------------------------------------


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
class PostAdmin(LargeTableAdmin):
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
    search_fields = ["^author__username", "content"]
    ordering = ["-created_at", "-id"]
    raw_id_fields = ["author"]
    fields = ["author", "content", "created_at", "edited_at"]
    readonly_fields = ["created_at", "edited_at"]

    def get_queryset(self, request):
        return ModerationPostQuerySet(Post).with_counts()

    @admin.display(description="content")
    def excerpt(self, post):
        return _excerpt(post.content)

    @admin.display(description="author")
    def author_link(self, post):
        return _user_link(post.author_id, post.author.username)

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
        return _site_link(post.get_absolute_url())

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


# --- Comments ----------------------------------------------------------------------


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["post", "parent", "author", "content"]

    def clean(self):
        cleaned = super().clean()
        post, parent = cleaned.get("post"), cleaned.get("parent")
        if parent is not None and post is not None and parent.post_id != post.pk:
            raise forms.ValidationError({"parent": "The parent must be a comment of the same post."})
        if parent is not None and self.instance.pk is not None and parent.pk == self.instance.pk:
            raise forms.ValidationError({"parent": "A comment can't reply to itself."})
        return cleaned


@admin.register(Comment)
class CommentAdmin(LargeTableAdmin):
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
    search_fields = ["^author__username", "content"]
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
        return _excerpt(comment.content)

    @admin.display(description="author")
    def author_link(self, comment):
        return _user_link(comment.author_id, comment.author.username if comment.author else None)

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
        return _site_link(comment.get_absolute_url())

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


# --- Likes ---------------------------------------------------------------------------


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
        return _user_link(like.user_id, like.user.username)

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
        return _user_link(like.receiver_id, like.receiver.username)

    @admin.display(description="site")
    def site_link(self, like):
        model = ContentType.objects.get_for_id(like.target_type_id).model_class()
        return _site_link(model(pk=like.target_id).get_absolute_url())

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
        since = karma_selectors.karma_window_start(now)
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


NEW_ACCOUNT_AGE = datetime.timedelta(hours=24)


@dataclass(slots=True)
class MutualPair:
    """Another user the leader traded likes with in the window."""

    user_id: int
    username: str
    given: int  # likes the leader gave them
    received: int  # likes they gave the leader


@dataclass(slots=True)
class AuditRow:
    entry: karma_selectors.LeaderboardEntry
    likes: int = 0
    top_liker_id: int | None = None
    top_liker_username: str = ""
    top_liker_karma: karma_selectors.Karma = field(default_factory=karma_selectors.Karma)
    new_account_likes: int = 0
    mutual: list[MutualPair] = field(default_factory=list)
    likes_url: str = ""

    @property
    def top_liker_share(self) -> int:
        """Percentage of the leader's 24-hour karma that came from the top liker."""
        return round(100 * self.top_liker_karma.total / self.entry.total) if self.entry.total else 0


def leaderboard_audit(*, now: datetime.datetime | None = None, limit: int = AUDIT_SIZE) -> list[AuditRow]:
    """
    Today's top `limit` by 24-hour karma (`karma_selectors.leaderboard`), each with
    what gives a voting ring away: the karma that came from their single
    most generous liker, how many of their likes came from accounts younger
    than `NEW_ACCOUNT_AGE`, and the users they traded likes with in the
    window. Only likes that count toward karma are read. Four queries
    whatever the numbers (one when the leaderboard is empty).
    """
    now = now or timezone.now()
    since = karma_selectors.karma_window_start(now)
    rows = {
        entry.user_id: AuditRow(entry=entry) for entry in karma_selectors.leaderboard(now=now, limit=limit)
    }
    if not rows:
        return []
    post_type = ContentType.objects.get_for_model(Post)
    window = Like.objects.counted().filter(created_at__gte=since).order_by()

    # Counting a column of like_window_idx (not the primary key) lets both
    # queries read the window from that index alone, as the leaderboard does.
    likers: dict[int, dict[int, tuple[str, int]]] = defaultdict(dict)
    incoming = (
        window.filter(receiver_id__in=rows)
        .values("receiver_id", "user_id", "user__username", "user__date_joined")
        .annotate(likes=Count("target_id"), post_likes=Count("target_id", filter=Q(target_type=post_type)))
    )
    for liker in incoming:
        row = rows[liker["receiver_id"]]
        karma = karma_selectors.Karma(liker["post_likes"], liker["likes"] - liker["post_likes"])
        row.likes += liker["likes"]
        if liker["user__date_joined"] > now - NEW_ACCOUNT_AGE:
            row.new_account_likes += liker["likes"]
        best = (row.top_liker_karma.total, -(row.top_liker_id or 0))
        if row.top_liker_id is None or (karma.total, -liker["user_id"]) > best:
            row.top_liker_id = liker["user_id"]
            row.top_liker_username = liker["user__username"]
            row.top_liker_karma = karma
        likers[liker["receiver_id"]][liker["user_id"]] = (liker["user__username"], liker["likes"])

    outgoing = (
        window.filter(user_id__in=rows).values("user_id", "receiver_id").annotate(likes=Count("target_id"))
    )
    for given in outgoing:
        received = likers[given["user_id"]].get(given["receiver_id"])
        if received is not None:
            rows[given["user_id"]].mutual.append(
                MutualPair(
                    user_id=given["receiver_id"],
                    username=received[0],
                    given=given["likes"],
                    received=received[1],
                )
            )
    for row in rows.values():
        row.mutual.sort(key=lambda pair: (-(pair.given + pair.received), pair.user_id))
    return list(rows.values())


# --- Users -------------------------------------------------------------------------------


class KarmaChangeList(ChangeList):
    """The user list, with each row's karma from one `karma_selectors.karma_for_users` query per page."""

    def get_results(self, request):
        super().get_results(request)
        self.result_list = list(self.result_list)
        karma = karma_selectors.karma_for_users([user.pk for user in self.result_list])
        for user in self.result_list:
            user.karma = karma[user.pk]


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
    _delete_sessions_of(banned)
    return banned


def _delete_sessions_of(users) -> None:
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


def users_unban(*, users) -> list:
    """Reactivate banned accounts; returns the users that were inactive."""
    unbanned = [user for user in users if not user.is_active]
    User.objects.filter(pk__in=[user.pk for user in unbanned]).update(is_active=True)
    return unbanned


admin.site.unregister(User)


@admin.register(User)
class ModerationUserAdmin(UserAdmin):
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
