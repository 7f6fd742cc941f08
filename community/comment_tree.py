"""
A post's discussion as a tree, built in memory from its comment rows.

Nothing here touches the database: `selectors.threads` reads the rows (one
query per page) and hands them to `build_comment_tree`; `thread_window`
chooses what one page shows and `ancestors` what a permalink shows above a
comment. Every walk is iterative, so threads of any depth never meet
Python's recursion limit, and none follows a parent link it has already
seen, so a reply loop that reached the database cannot hang a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .links import url_for
from .models import Comment

# How much of a thread one page renders. The comment template recurses once
# per nesting level, and any recursive template dies at some depth (Django's
# at about 80-130 levels), so unlimited depth is served a window at a time,
# with "continue this thread" links below it.
WINDOW_DEPTH = 8
WINDOW_SIZE = 200
# How many ancestors a comment's permalink shows above it for context.
CONTEXT_ANCESTORS = 6
# The orders a thread can be read in (`?sort=`), at every level: reading
# order (oldest first), newest first, and most liked first (then oldest).
SORTS = {"old": "Oldest first", "new": "Newest first", "top": "Most liked"}
DEFAULT_SORT = "old"

_VISIBLE = Comment.State.VISIBLE.value
_REMOVED = Comment.State.REMOVED.value


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
    moderator_edited_at: datetime | None = None

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
    def byline(self) -> str:
        """Who the page says wrote it: tombstones name nobody."""
        if self.state == _REMOVED:
            return "[removed by a moderator]"
        if self.state != _VISIBLE:
            return "[deleted]"
        return self.author_username or "[deleted account]"

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
            moderator_edited_at=row.get("moderator_edited_at"),
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
    # ancestors all have something visible below them too). Only what the
    # walk from the roots reached: comments caught in a reply loop have no
    # top-level ancestor, so they belong to no thread.
    kept = {node.id: node for node in preorder if node.is_kept}
    return CommentTree(roots=roots, by_id=kept)


def _number_siblings(siblings: list[CommentNode]) -> None:
    total = len(siblings)
    for position, node in enumerate(siblings, start=1):
        node.position = position
        node.sibling_count = total


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
    seen = {node.id}
    current = tree.by_id.get(node.parent_id)
    while current is not None and current.id not in seen:
        seen.add(current.id)
        chain.append(current)
        current = tree.by_id.get(current.parent_id)
    chain.reverse()
    hidden = max(0, len(chain) - limit)
    return chain[hidden:], hidden


def top_of_thread(tree: CommentTree, node: CommentNode) -> CommentNode:
    """The top-level comment whose thread `node` is in (`node` itself when it is top-level)."""
    seen = {node.id}
    top = node
    while (up := tree.by_id.get(top.parent_id)) is not None and up.id not in seen:
        seen.add(up.id)
        top = up
    return top


def place_in_thread(rows, comment_id: int) -> tuple[int, int, int]:
    """
    Where a comment stands in its thread, from the thread's `(id,
    parent_id, state)` rows in reading order: its depth, its position among
    the siblings the tree keeps, and how many siblings that is. The same
    numbers `build_comment_tree` gives it, without building the thread.
    """
    parent_of = {}
    visible = []
    for row_id, parent_id, state in rows:
        parent_of[row_id] = parent_id
        if state == _VISIBLE:
            visible.append(row_id)
    # Kept: visible, or above something visible (marking stops at the first
    # comment already marked, so each is marked once, loops included).
    kept: set[int] = set()
    for row_id in visible:
        while row_id is not None and row_id not in kept:
            kept.add(row_id)
            row_id = parent_of.get(row_id)
    depth = 0
    seen = {comment_id}
    ancestor = parent_of.get(comment_id)
    while ancestor is not None and ancestor not in seen:
        seen.add(ancestor)
        depth += 1
        ancestor = parent_of.get(ancestor)
    parent_id = parent_of.get(comment_id)
    siblings = [row_id for row_id, _, _ in rows if row_id in kept and parent_of[row_id] == parent_id]
    position = siblings.index(comment_id) + 1 if comment_id in siblings else len(siblings)
    return depth, position, len(siblings)


def parse_sort(value) -> str:
    """The order asked for, or the default for anything unknown."""
    return value if value in SORTS else DEFAULT_SORT


def sort_tree(tree: CommentTree, order: str) -> CommentTree:
    """
    Put every list of siblings of `tree` in `order` (see SORTS), in place,
    and number them again. The tree comes built in reading order, so "old"
    changes nothing, "new" reverses each list, and "top" is a stable sort
    by likes, which keeps the oldest first among equals.
    """
    if order == DEFAULT_SORT:
        return tree
    lists = [tree.roots, *(node.replies for node in tree.by_id.values() if len(node.replies) > 1)]
    for siblings in lists:
        if order == "new":
            siblings.reverse()
        else:
            siblings.sort(key=_fewer_likes_later)
        _number_siblings(siblings)
    return tree


def _fewer_likes_later(node: CommentNode) -> int:
    return -node.like_count
