"""People: the leaderboard and each person's karma."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from ...selectors import karma, profiles
from ...selectors import leaderboard as shared_leaderboard
from ..errors import error_responses
from ..serializers import (
    LeaderboardSerializer,
    PostSerializer,
    TopItemSerializer,
    UserKarmaSerializer,
    author_data,
)
from ..threads import CommentSerializer
from .base import ApiView
from .posts import node_of

User = get_user_model()

WINDOW_HOURS = int(karma.KARMA_WINDOW.total_seconds() // 3600)


_DATETIME = serializers.DateTimeField()


def karma_data(value: karma.Karma) -> dict:
    return {
        "total": value.total,
        "post_likes": value.post_likes,
        "comment_likes": value.comment_likes,
        "receipt": value.receipt,
    }


class LeaderboardView(ApiView):
    @extend_schema(
        operation_id="leaderboard_retrieve",
        summary="The leaderboard",
        description="The people with the most karma earned in the last 24 hours, each with the receipt. "
        "The same answer as the site's leaderboard: computed at most once per tick for every reader "
        "(`computed_at` says when).",
        responses={200: LeaderboardSerializer},
        tags=["people"],
    )
    def get(self, request):
        answer = shared_leaderboard.current()
        top_item = TopItemSerializer(context={"request": request})
        entries = [
            {
                "rank": entry.rank,
                "user": author_data(request, entry.username),
                "karma": karma_data(entry.karma),
                "reached_at": _DATETIME.to_representation(entry.reached_at),
                "top_items": [top_item.to_representation(item) for item in entry.top_items],
            }
            for entry in answer.entries
        ]
        return Response(
            {
                "computed_at": _DATETIME.to_representation(answer.computed_at),
                "window_hours": WINDOW_HOURS,
                "entries": entries,
            }
        )


class UserDetailSerializer(serializers.Serializer):
    username = serializers.CharField()
    url = serializers.URLField()
    html_url = serializers.URLField()
    date_joined = serializers.DateTimeField()
    karma = UserKarmaSerializer(help_text="Karma all-time and in the last 24 hours, each with its receipt.")
    recent_posts = PostSerializer(many=True, help_text="Their latest posts, newest first.")
    recent_comments = CommentSerializer(
        many=True, help_text="Their latest comments still shown, newest first."
    )


class UserDetailView(ApiView):
    @extend_schema(
        operation_id="users_retrieve",
        summary="A person",
        description="Their karma (all-time and in the last 24 hours, each with its receipt) and their "
        "latest posts and comments, as on their profile page.",
        responses={200: UserDetailSerializer, **error_responses(404)},
        tags=["people"],
    )
    def get(self, request, username):
        person = User.objects.filter(username=username).first()
        if person is None:
            raise Http404("There is nobody with that username.")
        person_karma = karma.karma_for_users([person.pk])[person.pk]
        posts = profiles.recent_posts_of(person, viewer=request.user)
        comments = [
            node_of(comment, username=person.username, like_count=comment.like_count, liked=comment.liked)
            for comment in profiles.recent_comments_of(person, viewer=request.user)
        ]
        context = {"request": request}
        data = author_data(request, person.username)
        data.update(
            date_joined=_DATETIME.to_representation(person.date_joined),
            karma={
                "all_time": karma_data(person_karma.all_time),
                "last_24_hours": karma_data(person_karma.recent),
            },
            recent_posts=PostSerializer(posts, many=True, context=context).data,
            recent_comments=CommentSerializer(comments, many=True, context=context).data,
        )
        return Response(data)
