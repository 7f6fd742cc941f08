"""
What a profile page shows of a person: their latest posts and comments.
"""

from ..models import Comment, Post, like_annotations

# How many recent posts and comments a profile lists.
PROFILE_ITEMS = 10


def recent_posts_of(user, *, viewer=None, limit: int = PROFILE_ITEMS):
    """A user's latest posts with `like_count`, `liked` and `comment_count`. One query."""
    return Post.objects.with_counts(viewer).filter(author=user).newest_first()[:limit]


def recent_comments_of(user, *, viewer=None, limit: int = PROFILE_ITEMS):
    """A user's latest visible comments with `like_count`, `liked` and their post. One query."""
    queryset = Comment.objects.visible().filter(author=user).select_related("post")
    return like_annotations(queryset, model=Comment, viewer=viewer).order_by("-created_at", "-id")[:limit]
