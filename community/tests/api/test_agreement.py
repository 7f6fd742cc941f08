"""
The pages and the API read the same selectors, so they cannot disagree:
karma, like counts, comment counts and the leaderboard, compared on one
community with likes of every kind (counted, self-likes, old, on deleted
comments), after writes through both.
"""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Comment
from community.tests.api.helpers import signed_in
from community.tests.helpers import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(make_user, make_post, make_comment, make_like):
    rng = random.Random(11)
    people = [make_user(f"person{i}") for i in range(8)]
    posts = [make_post(author=rng.choice(people)) for _ in range(12)]
    comments = [make_comment(post=rng.choice(posts), author=rng.choice(people)) for _ in range(30)]
    for person in people:
        for item in rng.sample(posts + comments, 15):
            age = timedelta(hours=rng.choice([1, 5, 30, 80]))
            make_like(person, item, created_at=timezone.now() - age)  # self-likes included
    for comment in rng.sample(comments, 4):
        Comment.objects.filter(pk=comment.pk).update(state=Comment.State.DELETED)
    # Writes through both: a like on a page and one through the API.
    reader = people[0]
    others = [p for p in posts if p.author != reader]
    logged_in(reader).post(f"/posts/{others[0].pk}/like/")
    signed_in(reader).put(f"/api/v1/posts/{others[1].pk}/like/")
    return people, posts, reader


def test_karma_on_profiles_and_in_the_api_agree(client, api, community):
    people, _, _ = community
    for person in people:
        page = client.get(f"/u/{person.username}/").context["karma"]
        body = api.get(f"/api/v1/users/{person.username}/").json()["karma"]
        for name, value in (("all_time", page.all_time), ("last_24_hours", page.recent)):
            assert body[name] == {
                "total": value.total,
                "post_likes": value.post_likes,
                "comment_likes": value.comment_likes,
                "receipt": value.receipt,
            }, person.username


def test_the_leaderboard_page_and_the_api_agree(client, api, community):
    page = client.get("/leaderboard/").context["leaderboard"]
    body = api.get("/api/v1/leaderboard/").json()["entries"]
    assert len(page) > 1
    assert [(e["rank"], e["user"]["username"], e["karma"]["total"], e["karma"]["receipt"]) for e in body] == [
        (entry.rank, entry.username, entry.total, entry.karma.receipt) for entry in page
    ]
    assert [[(i["kind"], i["id"], i["likes"]) for i in e["top_items"]] for e in body] == [
        [(i["kind"], i["id"], i["likes"]) for i in entry.top_items] for entry in page
    ]


def test_like_and_comment_counts_on_the_feed_and_in_the_api_agree(community):
    _, _, reader = community
    page = logged_in(reader).get("/").context["posts"]
    body = signed_in(reader).get("/api/v1/posts/").json()["results"]
    assert [(p["id"], p["like_count"], p["liked"], p["comment_count"]) for p in body] == [
        (post.pk, post.like_count, post.liked, post.comment_count) for post in page
    ]
    assert any(p["liked"] for p in body)


def test_a_discussion_on_its_page_and_in_the_api_agree(community):
    _, posts, reader = community
    busiest = max(posts, key=lambda p: p.comments.count())
    page = logged_in(reader).get(f"/posts/{busiest.pk}/").context["window"]
    body = signed_in(reader).get(f"/api/v1/posts/{busiest.pk}/comments/").json()
    assert [(c["id"], c["like_count"], c["liked"], c["state"]) for c in body["comments"]] == [
        (
            shown.node.id,
            shown.node.like_count if shown.node.is_visible else None,
            shown.node.liked if shown.node.is_visible else None,
            shown.node.state,
        )
        for shown in page.comments
    ]
