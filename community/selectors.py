"""
Reads that cross tables: the comment tree of a post, karma and the leaderboard.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from .models import Comment, Like, Post, like_annotations, url_for

# How much of a thread one page renders. The comment template recurses once
# per nesting level, and any recursive template dies at some depth (Django's
# at about 80-130 levels), so unlimited depth is served a window at a time,
# with "continue this thread" links below it.
WINDOW_DEPTH = 8
WINDOW_SIZE = 200
# How many ancestors a comment's permalink shows above it for context.
CONTEXT_ANCESTORS = 6

_VISIBLE = Comment.State.VISIBLE.value
_REMOVED = Comment.State.REMOVED.value

KARMA_WINDOW = timedelta(hours=24)
LEADERBOARD_SIZE = 5


# --- Comment trees ----------------------------------------------------------


@dataclass(eq=False, slots=True)
class CommentNode:
    """One comment of a thread, with its place in the tree."""

    id: int
    parent_id: int | None
    post_id: int
    author_id: int | None
    author_username: str | None
    content: str
    created_at: datetime
    edited_at: datetime | None
    state: str
    like_count: int
    liked: bool
    # No reference back to the parent (`CommentTree.by_id[parent_id]`): a
    # tree without cycles is freed by reference counting as soon as a page
    # is done with it, instead of waiting for, and slowing, a full
    # collection of the cyclic garbage collector.
    replies: list[CommentNode] = field(default_factory=list)
    depth: int = 0  # 0 for a top-level comment
    position: int = 1  # 1-based place among its siblings
    sibling_count: int = 1
    descendant_count: int = 0  # visible comments below this one

    # Compared with plain module constants: building a 5,000-comment tree
    # asks these tens of thousands of times, and looking the member up on
    # the enum class each time doubled the build.
    @property
    def is_visible(self) -> bool:
        return self.state == _VISIBLE

    @property
    def is_removed(self) -> bool:
        return self.state == _REMOVED

    @property
    def is_kept(self) -> bool:
        """Shown in the tree: visible, or a tombstone with something visible below it."""
        return self.state == _VISIBLE or self.descendant_count > 0

    @property
    def level(self) -> int:
        return self.depth + 1

    # URLs the comment template shows, without reverse() (see models.url_for).
    def get_absolute_url(self) -> str:
        return url_for("community:comment_detail", self.id)

    @property
    def parent_url(self) -> str:
        return url_for("community:comment_detail", self.parent_id)

    @property
    def like_url(self) -> str:
        return url_for("community:comment_like", self.id)

    @property
    def unlike_url(self) -> str:
        return url_for("community:comment_unlike", self.id)

    @property
    def reply_url(self) -> str:
        return url_for("community:comment_reply", self.id)

    @property
    def edit_url(self) -> str:
        return url_for("community:comment_edit", self.id)

    @property
    def delete_url(self) -> str:
        return url_for("community:comment_delete", self.id)


@dataclass(slots=True)
class CommentTree:
    """All comments of one post: top-level comments in order, and every node by id."""

    roots: list[CommentNode]
    by_id: dict[int, CommentNode]

    def __len__(self) -> int:
        return len(self.by_id)

    @property
    def visible_count(self) -> int:
        """Comments that are not tombstones."""
        return sum(1 for node in self.by_id.values() if node.is_visible)


def comment_rows(*, post_id: int, viewer=None):
    """
    Every comment of a post in reading order (`created_at`, then `id`), as
    dicts carrying the author's username, `like_count` and `liked` (by
    `viewer`). One query.
    """
    queryset = like_annotations(Comment.objects.filter(post_id=post_id), model=Comment, viewer=viewer)
    return queryset.order_by("created_at", "id").values(
        "id",
        "parent_id",
        "post_id",
        "author_id",
        "author__username",
        "content",
        "created_at",
        "edited_at",
        "state",
        "like_count",
        "liked",
    )


def build_comment_tree(rows) -> CommentTree:
    """
    Turn comment rows (in reading order) into a tree without recursion.

    Each node gets its `replies` (in reading order), `depth`, `position`
    and `sibling_count`, and `descendant_count` (visible comments below
    it). Hidden comments (deleted or removed) with no visible comment below
    them are dropped: a deleted leaf disappears, a deleted comment with
    replies stays as a tombstone so the replies keep their place.

    A thread page builds thousands of nodes per request, so the passes
    below touch each node a few times and allocate nothing per node beyond
    the node itself and its list of replies.
    """
    by_id: dict[int, CommentNode] = {}
    for row in rows:
        node = CommentNode(
            row["id"],
            row["parent_id"],
            row["post_id"],
            row["author_id"],
            row["author__username"],
            row["content"],
            row["created_at"],
            row["edited_at"],
            row["state"],
            row["like_count"],
            bool(row["liked"]),
        )
        by_id[node.id] = node

    # Link children to parents. Rows come in reading order, so replies are
    # appended in reading order too; the parent need not come first.
    roots: list[CommentNode] = []
    for node in by_id.values():
        parent = by_id.get(node.parent_id)
        if parent is None:
            roots.append(node)
        else:
            parent.replies.append(node)

    # Depths top-down, with an explicit stack (threads can be thousands deep).
    preorder: list[CommentNode] = []
    stack = roots[::-1]
    while stack:
        node = stack.pop()
        preorder.append(node)
        if replies := node.replies:
            depth = node.depth + 1
            for child in replies:
                child.depth = depth
            stack.extend(reversed(replies))

    # Counts bottom-up (children always come after their parent in
    # preorder), dropping hidden replies with nothing visible below them.
    for node in reversed(preorder):
        if not (replies := node.replies):
            continue
        count = 0
        pruned = False
        for child in replies:
            if child.is_kept:
                count += child.descendant_count + (1 if child.is_visible else 0)
            else:
                pruned = True
        if pruned:
            node.replies = replies = [child for child in replies if child.is_kept]
        node.descendant_count = count
        _number_siblings(replies)
    roots = [node for node in roots if node.is_kept]
    _number_siblings(roots)
    # What is left: visible comments and the tombstones above them (whose
    # ancestors all have something visible below them too).
    kept = {key: node for key, node in by_id.items() if node.is_kept}
    return CommentTree(roots=roots, by_id=kept)


def _number_siblings(siblings: list[CommentNode]) -> None:
    total = len(siblings)
    for position, node in enumerate(siblings, start=1):
        node.position = position
        node.sibling_count = total


def comment_tree(*, post_id: int, viewer=None) -> CommentTree:
    """All comments of a post as a tree, from one query (see `build_comment_tree`)."""
    return build_comment_tree(comment_rows(post_id=post_id, viewer=viewer))


@dataclass(eq=False, slots=True)
class ShownComment:
    """A comment as one page shows it: the replies that fit the page, and what lies beyond."""

    node: CommentNode
    children: list[ShownComment] = field(default_factory=list)
    # Replies below the window's depth: "continue this thread".
    continues: bool = False
    # Replies after the last one shown: "N more replies".
    more_count: int = 0
    more_after: int | None = None


@dataclass(slots=True)
class ThreadWindow:
    """The part of a thread one page renders: nested comments plus the links that lead on."""

    comments: list[ShownComment]
    more_count: int = 0
    more_after: int | None = None


def thread_window(
    siblings: list[CommentNode],
    *,
    after: int | None = None,
    max_depth: int = WINDOW_DEPTH,
    size: int = WINDOW_SIZE,
) -> ThreadWindow:
    """
    Choose the comments one page shows, starting from `siblings` (the
    top-level comments, or one comment's replies), after the sibling with
    id `after` if given.

    Comments are taken in reading order (depth first) until `size` are
    shown; nothing deeper than `max_depth` levels below the start is shown.
    A shown comment whose replies are cut off by depth is marked
    `continues`; a list of replies cut off by size records how many are left
    (`more_count`) and the id of the last one shown (`more_after`). Every
    comment of the thread is therefore on this page or reachable from it.
    """
    if after is not None:
        index = next((i for i, node in enumerate(siblings) if node.id == after), None)
        siblings = siblings[index + 1 :] if index is not None else siblings

    window = ThreadWindow(comments=[])
    remaining = size
    # Each frame: (the nodes of one sibling list, the next index, where the
    # shown comments go, the owner of that list, its depth).
    stack: list[tuple[list[CommentNode], list[int], list[ShownComment], object, int]] = [
        (siblings, [0], window.comments, window, 0)
    ]
    while stack:
        nodes, index, out, owner, depth = stack[-1]
        if index[0] >= len(nodes):
            stack.pop()
            continue
        if remaining == 0:
            owner.more_count = len(nodes) - index[0]
            # No sibling of this list shown yet: the nested list starts from
            # its beginning; the top-level list from the page's own cursor.
            owner.more_after = nodes[index[0] - 1].id if index[0] else (after if owner is window else None)
            stack.pop()
            continue
        node = nodes[index[0]]
        index[0] += 1
        remaining -= 1
        shown = ShownComment(node=node)
        out.append(shown)
        if node.replies:
            if depth + 1 >= max_depth:
                shown.continues = True
            else:
                stack.append((node.replies, [0], shown.children, shown, depth + 1))
    return window


def ancestors(
    tree: CommentTree, node: CommentNode, *, limit: int = CONTEXT_ANCESTORS
) -> tuple[list[CommentNode], int]:
    """
    The nearest `limit` ancestors of a comment of `tree`, top first, and how
    many more lie above them.
    """
    chain: list[CommentNode] = []
    current = tree.by_id.get(node.parent_id)
    while current is not None:
        chain.append(current)
        current = tree.by_id.get(current.parent_id)
    chain.reverse()
    hidden = max(0, len(chain) - limit)
    return chain[hidden:], hidden


# --- Karma -----------------------------------------------------------------


def karma_window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - KARMA_WINDOW


def _like_kind_counts(since: datetime | None = None) -> dict:
    """Aggregates counting post likes and comment likes, optionally only those since `since`."""
    post_type = ContentType.objects.get_for_model(Post)
    comment_type = ContentType.objects.get_for_model(Comment)
    window = Q(created_at__gte=since) if since is not None else Q()
    # Counting a column of like_window_idx rather than the primary key keeps
    # the leaderboard an index-only scan: COUNT(id) made PostgreSQL fetch
    # every like of the window from the table (2x slower at 170k likes).
    return {
        "post_likes": Count("target_id", filter=window & Q(target_type=post_type)),
        "comment_likes": Count("target_id", filter=window & Q(target_type=comment_type)),
    }


def karma_expression(post_likes, comment_likes):
    """Karma from like counts: the one place the weights are applied."""
    return post_likes * Like.POST_KARMA + comment_likes * Like.COMMENT_KARMA


@dataclass(frozen=True, slots=True)
class Karma:
    """Karma with its receipt: how many likes of each kind earned it."""

    post_likes: int = 0
    comment_likes: int = 0

    @property
    def total(self) -> int:
        return karma_expression(self.post_likes, self.comment_likes)

    @property
    def receipt(self) -> str:
        return (
            f"{self.post_likes} post like{'s' if self.post_likes != 1 else ''} × {Like.POST_KARMA} + "
            f"{self.comment_likes} comment like{'s' if self.comment_likes != 1 else ''} × "
            f"{Like.COMMENT_KARMA} = {self.total}"
        )


@dataclass(frozen=True, slots=True)
class UserKarma:
    all_time: Karma
    recent: Karma


def karma_for_users(user_ids, *, now: datetime | None = None) -> dict[int, UserKarma]:
    """
    Karma of each of `user_ids`, all-time and over the last 24 hours, from
    the like rows that count (see `LikeQuerySet.counted`), in one query.
    Users who earned nothing are present with zero karma.
    """
    user_ids = list(user_ids)
    since = karma_window_start(now)
    all_time = _like_kind_counts()
    recent = {f"{name}_24h": aggregate for name, aggregate in _like_kind_counts(since).items()}
    rows = (
        Like.objects.counted()
        .filter(receiver_id__in=user_ids)
        .order_by()
        .values("receiver_id")
        .annotate(**all_time, **recent)
    )
    karma = {user_id: UserKarma(all_time=Karma(), recent=Karma()) for user_id in user_ids}
    for row in rows:
        karma[row["receiver_id"]] = UserKarma(
            all_time=Karma(row["post_likes"], row["comment_likes"]),
            recent=Karma(row["post_likes_24h"], row["comment_likes_24h"]),
        )
    return karma


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    rank: int
    user_id: int
    username: str
    karma: Karma
    reached_at: datetime
    top_items: list[dict] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.karma.total


def leaderboard(*, now: datetime | None = None, limit: int = LEADERBOARD_SIZE) -> list[LeaderboardEntry]:
    """
    The users with the most karma earned from likes in the last 24 hours.

    One aggregate over the likes table (the window, the likes that count,
    weighted by target type, grouped by receiver), and one more query for
    the usernames together with each user's `top_items` (the posts and
    comments that earned them the most in the window). Ties: the user who reached the total first (the earlier
    latest like) ranks higher, then the older account (lower id). Users
    with no karma in the window are not listed.
    """
    since = karma_window_start(now)
    counts = _like_kind_counts()
    rows = list(
        Like.objects.counted()
        .filter(created_at__gte=since)
        .order_by()
        .values("receiver_id")
        .annotate(**counts, reached_at=Max("created_at"))
        .annotate(karma=karma_expression(F("post_likes"), F("comment_likes")))
        .order_by("-karma", "reached_at", "receiver_id")[:limit]
    )
    if not rows:
        return []
    names: dict[int, str] = {}
    items: dict[int, list[dict]] = defaultdict(list)
    for item in _top_items(receiver_ids=[row["receiver_id"] for row in rows], since=since):
        names[item["receiver_id"]] = item["receiver__username"]
        items[item["receiver_id"]].append(item)
    return [
        LeaderboardEntry(
            rank=rank,
            user_id=row["receiver_id"],
            username=names.get(row["receiver_id"], ""),
            karma=Karma(row["post_likes"], row["comment_likes"]),
            reached_at=row["reached_at"],
            top_items=items[row["receiver_id"]],
        )
        for rank, row in enumerate(rows, start=1)
    ]


def _top_items(*, receiver_ids, since: datetime | None, per_user: int = 3) -> list[dict]:
    """
    For each receiver, the `per_user` posts and comments that earned the
    most counted likes since `since`, as dicts with `receiver_id`,
    `receiver__username`, `kind`, `id`, `likes` and `url`. One query.
    """
    post_type = ContentType.objects.get_for_model(Post)
    likes = Like.objects.counted().filter(receiver_id__in=receiver_ids)
    if since is not None:
        likes = likes.filter(created_at__gte=since)
    rows = (
        likes.order_by()
        .values("receiver_id", "receiver__username", "target_type_id", "target_id")
        .annotate(likes=Count("id"))
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("receiver_id")],
                order_by=[Count("id").desc(), F("target_type_id"), F("target_id")],
            )
        )
        .filter(row__lte=per_user)
        .order_by("receiver_id", "row")
    )
    items = []
    for row in rows:
        model = Post if row["target_type_id"] == post_type.id else Comment
        row["kind"] = model._meta.model_name
        row["id"] = row["target_id"]
        row["url"] = model(pk=row["target_id"]).get_absolute_url()
        items.append(row)
    return items


def recent_comments_of(user, *, viewer=None, limit: int = 10):
    """A user's latest visible comments with `like_count`, `liked` and their post. One query."""
    queryset = Comment.objects.visible().filter(author=user).select_related("post")
    return like_annotations(queryset, model=Comment, viewer=viewer).order_by("-created_at", "-id")[:limit]
