"""Figures the pages state, from the definitions that enforce them."""

from django.conf import settings

from .models import CONTENT_MAX_LENGTH, Like
from .selectors.karma import KARMA_WINDOW, LEADERBOARD_SIZE


def figures(request):
    """
    `figures`: karma weights, the karma window, the leaderboard's size and
    polling interval, the longest post or comment. Templates state these
    numbers only through it, so a page never disagrees with the rule.
    """
    return {
        "figures": {
            "post_karma": Like.POST_KARMA,
            "comment_karma": Like.COMMENT_KARMA,
            "karma_window_hours": int(KARMA_WINDOW.total_seconds() // 3600),
            "leaderboard_size": LEADERBOARD_SIZE,
            "poll_seconds": settings.COMMUNITY_LEADERBOARD_POLL_SECONDS,
            "content_max_length": CONTENT_MAX_LENGTH,
        }
    }
