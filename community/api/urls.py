"""
The API's addresses, under /api/ (config/urls.py): the schema and its
documentation, and version 1 of the resources. Anything else under /api/
is a JSON 404.
"""

from django.urls import path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ..models import MAX_ID
from .views import base, comments, inbox, likes, people, posts, search, session

app_name = "api"


class IdConverter:
    """A database id: digits within PostgreSQL's bigint, so a larger number is a 404, not a 500."""

    regex = "[0-9]{1,19}"

    def to_python(self, value):
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError(value)
        return number

    def to_url(self, value):
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", base.ApiRootView.as_view(), name="root"),
    path("v1/session/", session.SessionView.as_view(), name="session"),
    path("v1/posts/", posts.PostListView.as_view(), name="post-list"),
    path("v1/posts/<id:post_id>/", posts.PostDetailView.as_view(), name="post-detail"),
    path("v1/posts/<id:post_id>/comments/", posts.PostCommentsView.as_view(), name="post-comments"),
    path("v1/posts/<id:target_id>/like/", likes.PostLikeView.as_view(), name="post-like"),
    path("v1/comments/<id:comment_id>/", comments.CommentDetailView.as_view(), name="comment-detail"),
    path("v1/comments/<id:target_id>/like/", likes.CommentLikeView.as_view(), name="comment-like"),
    path("v1/leaderboard/", people.LeaderboardView.as_view(), name="leaderboard"),
    path("v1/users/<str:username>/", people.UserDetailView.as_view(), name="user-detail"),
    path("v1/search/", search.SearchView.as_view(), name="search"),
    path("v1/inbox/", inbox.InboxView.as_view(), name="inbox"),
    path("v1/inbox/read/", inbox.InboxReadView.as_view(), name="inbox-read"),
    # Any character, a newline too: every address under /api/.
    re_path(r"^[\s\S]*$", base.not_found, name="not-found"),
]
