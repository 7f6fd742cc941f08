"""
The leaderboard audit: today's leaders with what gives a voting ring away.

Moderators read it in the admin (`admin.likes`); the karma and the
leaderboard themselves come from `selectors.karma`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone

from ..models import Like, Post
from .karma import Karma, LeaderboardEntry, karma_window_start, leaderboard

AUDIT_SIZE = 20

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
    entry: LeaderboardEntry
    likes: int = 0
    top_liker_id: int | None = None
    top_liker_username: str = ""
    top_liker_karma: Karma = field(default_factory=Karma)
    new_account_likes: int = 0
    mutual: list[MutualPair] = field(default_factory=list)
    likes_url: str = ""

    @property
    def top_liker_share(self) -> int:
        """Percentage of the leader's 24-hour karma that came from the top liker."""
        return round(100 * self.top_liker_karma.total / self.entry.total) if self.entry.total else 0


def leaderboard_audit(*, now: datetime.datetime | None = None, limit: int = AUDIT_SIZE) -> list[AuditRow]:
    """
    Today's top `limit` by 24-hour karma (`karma.leaderboard`), each with
    what gives a voting ring away: the karma that came from their single
    most generous liker, how many of their likes came from accounts younger
    than `NEW_ACCOUNT_AGE`, and the users they traded likes with in the
    window. Only likes that count toward karma are read. Four queries
    whatever the numbers (one when the leaderboard is empty).
    """
    now = now or timezone.now()
    since = karma_window_start(now)
    rows = {entry.user_id: AuditRow(entry=entry) for entry in leaderboard(now=now, limit=limit)}
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
        karma = Karma(liker["post_likes"], liker["likes"] - liker["post_likes"])
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
