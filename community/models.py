from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .links import url_for

CONTENT_MAX_LENGTH = 10_000
# Ids are PostgreSQL bigints: an id from a request is checked against this before a query.
MAX_ID = 2**63 - 1


class LikeQuerySet(models.QuerySet):
    def for_target_type(self, model):
        return self.filter(target_type=ContentType.objects.get_for_model(model))

    def counted(self):
        """
        Likes that earn karma: given by someone other than the receiver, and
        not on a comment that its author deleted or a moderator removed.

        Posts are deleted outright (their likes go with them), so only
        comments need the check; the subquery reads the small partial index
        of hidden comments.
        """
        hidden_comment_ids = Comment.objects.hidden().values("id")
        # Q objects joined with & keep their order (keyword arguments are
        # sorted): the cheap type test comes first, so PostgreSQL probes
        # the hidden ids only for likes of comments, not for every like.
        on_hidden_comment = Q(target_type=ContentType.objects.get_for_model(Comment)) & Q(
            target_id__in=hidden_comment_ids
        )
        return self.exclude(user=models.F("receiver")).exclude(on_hidden_comment)


class Like(models.Model):
    """
    One user's like of a post or a comment.

    The target is a content type and an object id rather than a foreign key,
    so both kinds of target share one table, one unique constraint and one
    karma query. `receiver` is the target's author at the time of the like:
    storing it lets "karma earned since T" be one index-only aggregate
    instead of a join to two tables.
    """

    POST_KARMA = 5
    COMMENT_KARMA = 1

    # No index of their own for the foreign keys: each leads an index below
    # (user: like_once_per_target, target_type: like_target_idx, receiver:
    # like_receiver_idx), which serves their lookups and cascades as well.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes_given", db_index=False
    )
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, db_index=False)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes_received", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LikeQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also serves "has this user liked these items".
            models.UniqueConstraint(fields=["user", "target_type", "target_id"], name="like_once_per_target"),
        ]
        indexes = [
            # Like counts of a set of items.
            models.Index(fields=["target_type", "target_id"], name="like_target_idx"),
            # "All likes since T grouped by receiver": every column the
            # leaderboard reads is in the key, so it is an index-only scan.
            models.Index(
                fields=["created_at", "receiver", "target_type", "user", "target_id"],
                name="like_window_idx",
            ),
            # A profile's karma: likes received by a set of users.
            models.Index(fields=["receiver", "created_at"], name="like_receiver_idx"),
        ]

    def __str__(self):
        return f"{self.user} likes {self.target_type.model} #{self.target_id}"


def like_annotations(queryset, *, model, viewer):
    """
    Annotate `like_count` (likes of each row) and `liked` (whether `viewer`
    likes it; False for anonymous viewers) with correlated subqueries, so
    the counts never multiply through joins.
    """
    target_type = ContentType.objects.get_for_model(model)
    likes = Like.objects.filter(target_type=target_type, target_id=OuterRef("pk"))
    like_count = Subquery(
        likes.order_by().values("target_id").annotate(n=Count("*")).values("n"),
        output_field=models.IntegerField(),
    )
    queryset = queryset.annotate(like_count=Coalesce(like_count, 0))
    if viewer is not None and viewer.is_authenticated:
        return queryset.annotate(liked=Exists(likes.filter(user=viewer)))
    return queryset.annotate(liked=models.Value(False))


class PostQuerySet(models.QuerySet):
    def newest_first(self):
        return self.order_by("-created_at", "-id")

    def with_counts(self, viewer=None):
        """
        Annotate `like_count`, `liked` (by `viewer`) and `comment_count`
        (visible comments) with subqueries, and fetch the author.
        """
        comment_count = Subquery(
            Comment.objects.visible()
            .filter(post=OuterRef("pk"))
            .order_by()
            .values("post")
            .annotate(n=Count("*"))
            .values("n"),
            output_field=models.IntegerField(),
        )
        queryset = self.select_related("author").annotate(comment_count=Coalesce(comment_count, 0))
        return like_annotations(queryset, model=Post, viewer=viewer)


class Post(models.Model):
    # No index of its own: it leads post_author_idx.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts", db_index=False
    )
    content = models.TextField(max_length=CONTENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Set when a moderator changes the text, which the site then says.
    moderator_edited_at = models.DateTimeField(null=True, blank=True)
    likes = GenericRelation(Like, content_type_field="target_type", object_id_field="target_id")

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The feed's keyset cursor: (created_at, id) descending.
            models.Index(fields=["-created_at", "-id"], name="post_feed_idx"),
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
        ]

    def __str__(self):
        return f"Post #{self.pk} by {self.author}"

    def get_absolute_url(self):
        return url_for("community:post_detail", self.pk)

    # Posts are deleted outright, never left as tombstones (see `rules`).
    is_visible = True

    @property
    def like_url(self):
        return url_for("community:post_like", self.pk)

    @property
    def unlike_url(self):
        return url_for("community:post_unlike", self.pk)


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(state=Comment.State.VISIBLE)

    def hidden(self):
        return self.exclude(state=Comment.State.VISIBLE)

    def replies_to(self, user):
        """
        Visible comments answering `user` (replies to their comments and
        top-level comments on their posts) written by someone else. Reads
        `comment_reply_to_idx`, whose condition it repeats.
        """
        return self.visible().filter(reply_to_user=user).exclude(author=user)


class Comment(models.Model):
    """
    A comment on a post, or a reply to another comment of the same post.

    `post` is stored on every comment, not only on top-level ones, so a
    whole discussion is one indexed query whatever its depth; `parent`
    gives the tree.

    Deletion is soft: a deleted or removed comment keeps its place so its
    replies stay where they were, and is shown as a tombstone. `parent`
    uses DO_NOTHING because replies are never deleted one parent at a time:
    a post takes all its comments with it in one statement, and
    `services.comment_purge` deletes whole subtrees, so the ORM never
    recurses down a reply chain thousands deep.
    """

    class State(models.TextChoices):
        VISIBLE = "visible", "Visible"
        DELETED = "deleted", "Deleted by its author"
        REMOVED = "removed", "Removed by a moderator"

    # No index of their own: each leads one of Meta.indexes (comment_thread_idx,
    # comment_parent_idx, comment_author_idx).
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments", db_index=False)
    parent = models.ForeignKey(
        "self", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="replies", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        db_index=False,
    )
    content = models.TextField(max_length=CONTENT_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Set when a moderator changes the text, which the site then says.
    moderator_edited_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.VISIBLE)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    # Whom the comment answers: the parent's author, or the post's for a
    # top-level comment, fixed when it is written (as `Like.receiver` is).
    # Stored so "replies to you" is one indexed range instead of a join to
    # the parent comment and to the post.
    reply_to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies_received",
        db_index=False,
    )
    likes = GenericRelation(Like, content_type_field="target_type", object_id_field="target_id")

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A post's whole discussion in reading order.
            models.Index(fields=["post", "created_at", "id"], name="comment_thread_idx"),
            models.Index(fields=["parent"], name="comment_parent_idx"),
            models.Index(fields=["author", "-created_at"], name="comment_author_idx"),
            # The moderation list, newest first, and its date filters.
            models.Index(fields=["-created_at", "-id"], name="comment_created_idx"),
            # Karma skips likes of hidden comments; those are few.
            models.Index(fields=["id"], condition=~Q(state="visible"), name="comment_hidden_idx"),
            # Replies to a person, newest first, and how many since a time:
            # only visible comments, so deleted and removed ones drop out.
            models.Index(
                fields=["reply_to_user", "created_at", "id"],
                condition=Q(state="visible"),
                name="comment_reply_to_idx",
            ),
        ]

    def __str__(self):
        return f"Comment #{self.pk} on post #{self.post_id}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.reply_to_user_id is None:
            self.reply_to_user_id = self.answered_author_id()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for("community:comment_detail", self.pk)

    @property
    def like_url(self):
        return url_for("community:comment_like", self.pk)

    @property
    def unlike_url(self):
        return url_for("community:comment_unlike", self.pk)

    @property
    def is_visible(self):
        return self.state == self.State.VISIBLE

    def answered_author_id(self):
        """The author this comment answers: its parent's, or for a top-level comment the post's."""
        return self.parent.author_id if self.parent_id else self.post.author_id


class RateLimitCounter(models.Model):
    """
    One fixed-window counter of the write limits (`community.ratelimit`),
    where the cache cannot count atomically: the key names the scope, the
    user and the window, and `ratelimit.count_in_database` adds to it with
    one atomic upsert. Rows of past windows are deleted as new ones come.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count}"


class UsernameSkeleton(models.Model):
    """
    The confusable skeleton of a username (`services.accounts.username_skeleton`),
    unique across accounts: a name that looks like an existing one (`mаya`
    with a Cyrillic а beside `maya`) is refused by the database itself, even
    when two sign-ups race. Stored as a SHA-256 digest: a skeleton can be
    many times longer than its name, beyond what an index entry may hold.

    Kept in step by `community.signals` whenever a user is saved; an
    account made or renamed outside sign-up (the admin, the shell) whose
    skeleton another account already holds keeps none.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="username_skeleton"
    )
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return f"Skeleton of user #{self.user_id}"


class InboxMark(models.Model):
    """
    How far a person has read the replies to them: replies written after
    `read_up_to` are unread. One row per person, only ever moved forward
    (`services.inbox`); unread counts are computed from the comment rows.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="inbox_mark"
    )
    read_up_to = models.DateTimeField()

    def __str__(self):
        return f"User #{self.user_id} read replies up to {self.read_up_to:%Y-%m-%d %H:%M:%S}"


class PostVisit(models.Model):
    """
    When a person last opened a post's page: on their next visit, comments
    written since then are marked new. One row per person and post,
    upserted on each visit (`services.visits`). `previous_visited_at` is
    where the current reading's marks start: the last visit before it, or,
    in the first reading, its first visit. The post's page and the thread's
    other pages (continued threads, replies loaded in place) mark from it,
    so they agree until the next reading.
    """

    # No index of its own: it leads post_visit_once.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_visits", db_index=False
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField()
    previous_visited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="post_visit_once")]

    def __str__(self):
        return f"User #{self.user_id} visited post #{self.post_id}"
