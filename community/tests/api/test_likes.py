"""Likes through the API: PUT likes, DELETE unlikes, /api/v1/{posts,comments}/{id}/like/."""

import pytest

from community.models import Comment, Like
from community.tests.api.helpers import error, signed_in
from community.tests.helpers import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["post", "comment"])
def target(request, make_post, make_comment, alice):
    """Something alice wrote, and its like URL."""
    item = make_post(author=alice) if request.param == "post" else make_comment(author=alice)
    return item, f"/api/v1/{request.param}s/{item.pk}/like/"


def test_put_likes_and_delete_unlikes_each_idempotent(bob_api, bob, target):
    item, url = target
    for _ in range(2):
        response = bob_api.put(url)
        assert response.status_code == 200
        assert response.json() == {"like_count": 1, "liked": True}
    assert Like.objects.filter(user=bob, target_id=item.pk).count() == 1
    for _ in range(2):
        response = bob_api.delete(url)
        assert response.status_code == 200
        assert response.json() == {"like_count": 0, "liked": False}
    assert not Like.objects.exists()


def test_the_answer_counts_everyone_elses_likes_too(make_user, bob_api, target):
    item, url = target
    for _ in range(3):
        signed_in(make_user()).put(url)
    assert bob_api.put(url).json() == {"like_count": 4, "liked": True}
    assert bob_api.delete(url).json() == {"like_count": 3, "liked": False}


def test_own_content_cannot_be_liked(alice_api, target):
    item, url = target
    body = error(alice_api.put(url), 403, "permission_denied")
    assert body["detail"] == "You can't like your own posts or comments."
    assert not Like.objects.exists()


def test_signed_out_likes_are_refused(api, target):
    _, url = target
    error(api.put(url), 403, "not_authenticated")
    error(api.delete(url), 403, "not_authenticated")


@pytest.mark.parametrize("kind", ["posts", "comments"])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_missing_targets_are_404(bob_api, kind, method):
    error(getattr(bob_api, method)(f"/api/v1/{kind}/424242/like/"), 404, "not_found")
    error(getattr(bob_api, method)(f"/api/v1/{kind}/{2**63}/like/"), 404, "not_found")


@pytest.mark.parametrize("state", [Comment.State.DELETED, Comment.State.REMOVED])
@pytest.mark.parametrize("method", ["put", "delete"])
def test_deleted_or_removed_comments_are_404(bob_api, make_comment, alice, state, method):
    comment = make_comment(author=alice, state=state)
    error(getattr(bob_api, method)(f"/api/v1/comments/{comment.pk}/like/"), 404)
    assert not Like.objects.exists()


def test_get_on_a_like_url_is_405_with_allow(bob_api, target):
    _, url = target
    response = bob_api.get(url)
    error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"PUT", "DELETE"}


def test_a_like_through_the_api_shows_on_the_page_and_the_reverse(bob, target, client):
    item, url = target
    api = signed_in(bob)
    api.put(url)
    page = logged_in(bob)
    kind = "post" if url.startswith("/api/v1/posts/") else "comment"
    # Unliking on the page undoes the API's like, and the API sees it.
    assert page.post(f"/{kind}s/{item.pk}/unlike/").status_code == 302
    assert api.delete(url).json() == {"like_count": 0, "liked": False}
    assert page.post(f"/{kind}s/{item.pk}/like/").status_code == 302
    assert api.put(url).json() == {"like_count": 1, "liked": True}


def test_likes_past_the_limit_get_429_counted_with_the_pages(bob, target, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "like": "2/m"}
    item, url = target
    api = signed_in(bob)
    assert api.put(url).status_code == 200
    kind = "post" if url.startswith("/api/v1/posts/") else "comment"
    assert logged_in(bob).post(f"/{kind}s/{item.pk}/unlike/").status_code == 302
    response = api.put(url)
    body = error(response, 429, "throttled")
    assert "You are liking faster than the site allows." in body["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert not Like.objects.exists()


def test_a_like_costs_a_fixed_number_of_queries(bob_api, target, django_assert_max_num_queries):
    _, url = target
    # Session, user, the rate-limit counter, the locked target, the insert, the new state.
    with django_assert_max_num_queries(9):
        bob_api.put(url)
