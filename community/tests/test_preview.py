"""Preview: the rendering of a post or comment before it is saved, with htmx and without JavaScript."""

import pytest

from community.models import Comment, Post
from community.tests.helpers import HTMX, logged_in

pytestmark = pytest.mark.django_db


def test_preview_answers_the_rendered_fragment(alice_client):
    response = alice_client.post("/preview/", {"content": "Some *emphasis* and <b>tags</b>"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "<em>emphasis</em>" in body
    assert "&lt;b&gt;tags&lt;/b&gt;" in body
    assert "data-preview" in body


@pytest.mark.parametrize("content", ["", "   ", "\u200b\u200b", "z" * 10_001])
def test_preview_follows_the_content_rules(alice_client, content):
    response = alice_client.post("/preview/", {"content": content}, **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "data-preview-errors" in body
    assert ("too long" in body) == (len(content) > 10_000)


def test_preview_is_for_signed_in_people_only(client):
    response = client.post("/preview/", {"content": "hello"}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert client.post("/preview/", {"content": "hello"}).status_code == 302
    assert client.get("/preview/").status_code == 405


def test_preview_counts_against_the_edit_limit(alice_client, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "edit": "2/m"}
    for _ in range(2):
        assert alice_client.post("/preview/", {"content": "x"}, **HTMX).status_code == 200
    refused = alice_client.post("/preview/", {"content": "x"}, **HTMX)
    assert refused.status_code == 429


def test_forms_have_a_preview_button_that_works_with_and_without_javascript(alice_client, make_post, alice):
    post = make_post(author=alice)
    comment = Comment.objects.create(post=post, author=alice, content="mine")
    pages = [
        "/",
        "/posts/new/",
        post.get_absolute_url(),
        f"/posts/{post.pk}/edit/",
        f"/comments/{comment.pk}/edit/",
    ]
    for url in pages:
        body = alice_client.get(url).content.decode()
        assert 'name="preview"' in body, url
        assert 'hx-post="/preview/"' in body, url


def test_post_preview_without_javascript_shows_the_form_again_and_saves_nothing(alice_client):
    response = alice_client.post("/posts/new/", {"content": "A **draft**", "preview": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<strong>draft</strong>" in body
    assert "A **draft**</textarea>" in body
    assert not Post.objects.exists()
    assert alice_client.post("/posts/new/", {"content": "A **draft**"}).status_code == 302
    assert Post.objects.get().content == "A **draft**"


def test_invalid_preview_without_javascript_is_the_usual_400(alice_client):
    response = alice_client.post("/posts/new/", {"content": " ", "preview": "1"})
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_comment_preview_without_javascript(alice_client, make_post, make_comment):
    post = make_post()
    response = alice_client.post(f"/posts/{post.pk}/comments/", {"content": "`code`", "preview": "1"})
    assert response.status_code == 200
    assert "<code>code</code>" in response.content.decode()
    parent = make_comment(post=post, content="the parent")
    reply = alice_client.post(
        f"/posts/{post.pk}/comments/", {"content": "> quoted", "parent": parent.pk, "preview": "1"}
    )
    body = reply.content.decode()
    assert "<blockquote>" in body
    assert f'name="parent" value="{parent.pk}"' in body
    assert "the parent" in body
    assert Comment.objects.count() == 1


def test_edit_previews_without_javascript_change_nothing(make_post, alice):
    post = make_post(author=alice, content="before")
    comment = Comment.objects.create(post=post, author=alice, content="before")
    client = logged_in(alice)
    for url, obj in ((f"/posts/{post.pk}/edit/", post), (f"/comments/{comment.pk}/edit/", comment)):
        response = client.post(url, {"content": "*after*", "preview": "1"})
        assert response.status_code == 200
        body = response.content.decode()
        assert "<em>after</em>" in body
        assert "*after*</textarea>" in body
        obj.refresh_from_db()
        assert obj.content == "before"
        assert obj.edited_at is None
