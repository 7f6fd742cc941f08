from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import rules
from community.admin.large_tables import LargeTablePaginator
from community.models import Comment, Like, Post
from community.selectors.karma import karma_for_users
from community.selectors.moderation import leaderboard_audit
from community.tests import helpers
from community.tests.helpers import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

MODERATOR_PERMISSIONS = {
    "community.view_post",
    "community.change_post",
    "community.delete_post",
    "community.view_comment",
    "community.change_comment",
    "community.delete_comment",
    "community.view_like",
    "community.delete_like",
    "auth.view_user",
    "auth.change_user",
}


@pytest.fixture
def moderators_group(db):
    return helpers.moderators_group()


@pytest.fixture
def moderator(make_user, moderators_group):
    user = make_user("mod")
    call_command("make_moderator", "mod", stdout=None)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def mod_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def karma_of(user):
    return karma_for_users([user.pk])[user.pk]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def run_action(client, model, action, objects, **extra):
    return client.post(
        changelist(model), {"action": action, "_selected_action": [obj.pk for obj in objects], **extra}
    )


# --- Who -----------------------------------------------------------------------------


def test_moderators_group_has_exactly_the_moderation_permissions(moderators_group):
    perms = {f"{p.content_type.app_label}.{p.codename}" for p in moderators_group.permissions.all()}
    assert perms == MODERATOR_PERMISSIONS


def test_make_moderator_gives_staff_access_and_the_group_but_not_superuser(moderator):
    assert moderator.is_staff
    assert not moderator.is_superuser
    assert moderator.groups.filter(name="Moderators").exists()
    assert moderator.get_all_permissions() == MODERATOR_PERMISSIONS


def test_make_moderator_refuses_an_unknown_user(db):
    with pytest.raises(CommandError, match='There is no user "nobody"'):
        call_command("make_moderator", "nobody")


def test_make_moderator_says_when_the_group_is_missing(make_user):
    make_user("carol")
    Group.objects.filter(name="Moderators").delete()
    with pytest.raises(CommandError, match="migrate"):
        call_command("make_moderator", "carol")


def test_a_moderator_logs_in_and_sees_the_moderation_pages(moderator):
    client = Client()
    response = client.post(
        reverse("admin:login"), {"username": "mod", "password": PASSWORD, "next": reverse("admin:index")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    body = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:community_like_audit") in body
    for model in (Post, Comment, Like, User):
        assert changelist(model) in body
    assert reverse("admin:auth_group_changelist") not in body


def test_a_user_who_is_not_staff_cannot_reach_the_admin(alice_client):
    for url in (
        reverse("admin:index"),
        changelist(Comment),
        changelist(User),
        reverse("admin:community_like_audit"),
    ):
        response = alice_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_moderator_cannot_add_likes_or_posts(mod_client):
    assert mod_client.get(reverse("admin:community_like_add")).status_code == 403
    assert mod_client.get(reverse("admin:community_post_add")).status_code == 403


# --- Posts and comments ------------------------------------------------------------------


def test_search_comments_by_content_username_prefix_and_exact_author(mod_client, make_user, make_comment):
    bob, carol = make_user("bob"), make_user("carol")
    needle = make_comment(author=carol, content="A rare Zebra appears")
    by_bob = make_comment(author=bob, content="Nothing to see")
    make_comment(author=carol, content="Something else")

    def found(term):
        response = mod_client.get(changelist(Comment), {"q": term})
        assert response.status_code == 200
        return {comment.pk for comment in response.context["cl"].result_list}

    assert found("zebra") == {needle.pk}
    assert found("bo") == {by_bob.pk}
    assert found("@BOB") == {by_bob.pk}
    assert found("@bo") == set()
    assert found('"rare zebra"') == {needle.pk}


@pytest.mark.parametrize("model", [Post, Comment])
def test_content_search_goes_through_the_site_search_index(mod_client, make_post, make_comment, model):
    make = make_post if model is Post else make_comment
    needle = make(content="Zebras crossing the road")
    other = make(content="A zebrafish tank")

    def found(term):
        with CaptureQueriesContext(connection) as captured:
            response = mod_client.get(changelist(model), {"q": term})
        return {row.pk for row in response.context["cl"].result_list}, captured

    rows, captured = found("zebra")
    if connection.vendor == "postgresql":
        # Words in any form, not letters: the stored vector and its index.
        assert rows == {needle.pk}
        assert any('"search_vector" @@' in query["sql"] for query in captured)
    else:
        assert rows == {needle.pk, other.pk}
    assert found(str(other.pk))[0] == {other.pk}


def test_search_posts_by_content_and_username(mod_client, make_user, make_post):
    bob = make_user("bob")
    needle = make_post(content="Quarterly zebra report")
    by_bob = make_post(author=bob)
    response = mod_client.get(changelist(Post), {"q": "ZEBRA"})
    assert [post.pk for post in response.context["cl"].result_list] == [needle.pk]
    response = mod_client.get(changelist(Post), {"q": "@bob"})
    assert [post.pk for post in response.context["cl"].result_list] == [by_bob.pk]


def test_comment_list_shows_counts_state_and_links(mod_client, make_user, make_comment, make_like):
    parent = make_comment(content="Parent comment")
    reply = make_comment(parent=parent)
    make_comment(parent=parent)
    for _ in range(3):
        make_like(make_user(), parent)
    response = mod_client.get(changelist(Comment), {"state__exact": "visible"})
    rows = {comment.pk: comment for comment in response.context["cl"].result_list}
    assert (rows[parent.pk].like_count, rows[parent.pk].reply_count) == (3, 2)
    assert (rows[reply.pk].like_count, rows[reply.pk].reply_count) == (0, 0)
    body = response.content.decode()
    assert parent.get_absolute_url() in body
    assert reverse("admin:community_comment_change", args=[parent.pk]) in body
    assert reverse("admin:community_post_change", args=[parent.post_id]) in body
    assert reverse("admin:auth_user_change", args=[parent.author_id]) in body


def test_post_list_shows_like_and_comment_counts(mod_client, make_user, make_post, make_comment, make_like):
    post = make_post()
    make_comment(post=post)
    make_comment(post=post, state=Comment.State.REMOVED)
    make_like(make_user(), post)
    response = mod_client.get(changelist(Post))
    (row,) = response.context["cl"].result_list
    assert (row.like_count, row.comment_count) == (1, 1)
    assert post.get_absolute_url() in response.content.decode()


def test_remove_and_restore_comments_leave_a_tombstone_and_move_karma(
    mod_client, moderator, make_user, make_post, make_comment, make_like, client
):
    bob = make_user("bob")
    post = make_post()
    comment = make_comment(post=post, author=bob, content="Something rude")
    make_comment(parent=comment, content="A reply that stays")
    make_like(make_user(), comment)
    make_like(make_user(), comment)
    assert karma_of(bob).all_time.total == 2

    response = run_action(mod_client, Comment, "remove_comments", [comment])
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.state == Comment.State.REMOVED
    assert comment.state_changed_at is not None
    assert karma_of(bob).all_time.total == 0
    page = client.get(post.get_absolute_url()).content.decode()
    assert "[removed by a moderator]" in page
    assert "Something rude" not in page
    assert "A reply that stays" in page
    assert LogEntry.objects.filter(
        user=moderator,
        object_id=str(comment.pk),
        action_flag=CHANGE,
        change_message="Removed by a moderator.",
    ).exists()

    run_action(mod_client, Comment, "restore_comments", [comment])
    comment.refresh_from_db()
    assert comment.state == Comment.State.VISIBLE
    assert karma_of(bob).all_time.total == 2
    assert "Something rude" in client.get(post.get_absolute_url()).content.decode()
    assert LogEntry.objects.filter(
        user=moderator,
        object_id=str(comment.pk),
        action_flag=CHANGE,
        change_message="Restored by a moderator.",
    ).exists()


def test_restore_leaves_comments_their_author_deleted(mod_client, make_comment):
    deleted = make_comment(state=Comment.State.DELETED)
    run_action(mod_client, Comment, "restore_comments", [deleted])
    deleted.refresh_from_db()
    assert deleted.state == Comment.State.DELETED
    assert not LogEntry.objects.filter(object_id=str(deleted.pk)).exists()


def test_remove_and_restore_buttons_on_a_comments_page(mod_client, make_comment):
    comment = make_comment()
    page = reverse("admin:community_comment_change", args=[comment.pk])
    remove = reverse("admin:community_comment_remove", args=[comment.pk])
    restore = reverse("admin:community_comment_restore", args=[comment.pk])
    assert remove in mod_client.get(page).content.decode()
    assert mod_client.get(remove).status_code == 405

    response = mod_client.post(remove)
    assert response["Location"] == page
    comment.refresh_from_db()
    assert comment.state == Comment.State.REMOVED
    assert restore in mod_client.get(page).content.decode()

    mod_client.post(restore)
    comment.refresh_from_db()
    assert comment.state == Comment.State.VISIBLE


def test_the_sites_moderate_links_open_the_admin_pages(mod_client, make_comment):
    comment = make_comment()
    body = mod_client.get(comment.post.get_absolute_url()).content.decode()
    for url in (
        reverse("admin:community_post_change", args=[comment.post_id]),
        reverse("admin:community_comment_change", args=[comment.pk]),
    ):
        assert url in body
        assert mod_client.get(url).status_code == 200


def test_delete_selected_posts_confirms_then_deletes_their_comments_and_likes(
    mod_client, moderator, make_user, make_post, make_comment, make_like
):
    post, kept = make_post(), make_post()
    top = make_comment(post=post)
    reply = make_comment(parent=top)
    make_like(make_user(), post)
    make_like(make_user(), reply)

    response = run_action(mod_client, Post, "delete_selected", [post])
    assert response.status_code == 200
    assert response.context["model_count"] is not None
    assert dict(response.context["model_count"]) == {"posts": 1, "comments": 2, "likes": 2}
    assert Post.objects.filter(pk=post.pk).exists()

    response = run_action(mod_client, Post, "delete_selected", [post], post="yes")
    assert response.status_code == 302
    assert list(Post.objects.all()) == [kept]
    assert not Comment.objects.exists()
    assert not Like.objects.exists()
    assert LogEntry.objects.filter(user=moderator, object_id=str(post.pk), action_flag=DELETION).exists()


def test_delete_confirmation_query_count_does_not_grow_with_the_thread(
    mod_client, make_user, make_post, make_comment, make_like, django_assert_num_queries
):
    post = make_post()
    url = reverse("admin:community_post_delete", args=[post.pk])
    mod_client.get(url)
    with django_assert_num_queries(8):
        mod_client.get(url)
    for _ in range(30):
        make_like(make_user(), make_comment(post=post))
    with django_assert_num_queries(8):
        response = mod_client.get(url)
    assert dict(response.context["model_count"])["likes"] == 30


def test_deleting_a_comment_purges_its_replies(mod_client, make_comment, make_like, make_user):
    top = make_comment()
    reply = make_comment(parent=top)
    make_comment(parent=reply)
    other = make_comment(post=top.post)
    make_like(make_user(), reply)
    response = mod_client.post(reverse("admin:community_comment_delete", args=[top.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert list(Comment.objects.all()) == [other]
    assert not Like.objects.exists()
    assert LogEntry.objects.filter(object_id=str(top.pk), action_flag=DELETION).exists()


def test_a_comments_parent_must_belong_to_the_same_post(make_user, make_comment, client):
    admin_user = User.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin_user)
    comment, elsewhere = make_comment(), make_comment()
    url = reverse("admin:community_comment_change", args=[comment.pk])
    response = client.post(
        url,
        {
            "post": comment.post_id,
            "parent": elsewhere.pk,
            "author": comment.author_id,
            "content": "Edited",
        },
    )
    assert response.status_code == 200
    assert "same post" in response.content.decode()


def test_a_comment_cannot_reply_to_itself_or_to_one_of_its_replies(admin_client, make_comment):
    comment = make_comment()
    reply = make_comment(parent=comment)
    below = make_comment(parent=make_comment(parent=reply))
    sibling = make_comment(post=comment.post)
    url = reverse("admin:community_comment_change", args=[comment.pk])

    def refusal(parent):
        response = admin_client.post(url, {"post": comment.post_id, "parent": parent.pk, "content": "Edited"})
        if response.status_code == 302:
            return None
        return response.context["adminform"].form.errors["parent"][0]

    assert refusal(comment) == "A comment can't reply to itself."
    assert refusal(reply) == "A comment can't reply to one of its own replies."
    assert refusal(below) == "A comment can't reply to one of its own replies."
    comment.refresh_from_db()
    assert comment.parent_id is None
    assert refusal(sibling) is None
    comment.refresh_from_db()
    assert comment.parent_id == sibling.pk


def test_closes_reply_loop_walks_up_from_the_parent():
    comment = SimpleNamespace(pk=13)
    parent_ids = {13: None, 14: 13, 15: 14, 16: None, 17: 18, 18: 17}
    assert rules.closes_reply_loop(SimpleNamespace(pk=13), comment, parent_ids=parent_ids)
    assert rules.closes_reply_loop(SimpleNamespace(pk=15), comment, parent_ids=parent_ids)
    assert not rules.closes_reply_loop(SimpleNamespace(pk=16), comment, parent_ids=parent_ids)
    # A loop already in the rows ends the walk instead of hanging it.
    assert not rules.closes_reply_loop(SimpleNamespace(pk=17), comment, parent_ids=parent_ids)
    assert not rules.closes_reply_loop(
        SimpleNamespace(pk=14), SimpleNamespace(pk=None), parent_ids=parent_ids
    )


def test_a_moderator_cannot_change_the_author_of_a_post_or_a_comment(
    mod_client, admin_client, make_user, make_post, make_comment
):
    bob = make_user("bob")
    post = make_post()
    comment = make_comment(post=post)
    post_url = reverse("admin:community_post_change", args=[post.pk])
    comment_url = reverse("admin:community_comment_change", args=[comment.pk])
    for url in (post_url, comment_url):
        assert 'name="author"' not in mod_client.get(url).content.decode()

    response = mod_client.post(post_url, {"author": bob.pk, "content": "Edited post"})
    assert response.status_code == 302
    response = mod_client.post(
        comment_url, {"post": post.pk, "parent": "", "author": bob.pk, "content": "Edited comment"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    comment.refresh_from_db()
    assert (post.content, comment.content) == ("Edited post", "Edited comment")
    assert post.author != bob
    assert comment.author != bob
    # Adding one (a superuser's right) still chooses its author.
    for model in (Post, Comment):
        add = reverse(f"admin:community_{model._meta.model_name}_add")
        assert 'name="author"' in admin_client.get(add).content.decode()


def test_the_date_hierarchy_lists_periods_without_reading_every_row(mod_client, make_comment):
    make_comment(created_at=timezone.now() - timedelta(days=40))
    make_comment()
    response = mod_client.get(changelist(Comment))
    assert "created_at__month=" in response.content.decode()
    # A search hides it: it would read every match again.
    response = mod_client.get(changelist(Comment), {"q": "comment"})
    assert "created_at__month=" not in response.content.decode()


# --- Likes ---------------------------------------------------------------------------------


def test_likes_are_read_only_and_list_who_liked_what_and_whose(mod_client, make_user, make_post, make_like):
    bob, carol = make_user("bob"), make_user("carol")
    post = make_post(author=bob)
    like = make_like(carol, post)
    response = mod_client.get(changelist(Like))
    body = response.content.decode()
    assert reverse("admin:auth_user_change", args=[carol.pk]) in body
    assert reverse("admin:auth_user_change", args=[bob.pk]) in body
    assert reverse("admin:community_post_change", args=[post.pk]) in body
    assert post.get_absolute_url() in body

    page = mod_client.get(reverse("admin:community_like_change", args=[like.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    mod_client.post(reverse("admin:community_like_change", args=[like.pk]), {"user": bob.pk})
    like.refresh_from_db()
    assert like.user == carol


def test_likes_filter_by_target_type_and_date(mod_client, make_user, make_post, make_comment, make_like):
    liker = make_user()
    post_like = make_like(liker, make_post())
    comment_like = make_like(liker, make_comment())
    old_like = make_like(liker, make_post(), created_at=timezone.now() - timedelta(days=30))

    def listed(**params):
        response = mod_client.get(changelist(Like), params)
        return {like.pk for like in response.context["cl"].result_list}

    assert listed(target="post") == {post_like.pk, old_like.pk}
    assert listed(target="comment") == {comment_like.pk}
    since = (timezone.now() - timedelta(days=7)).isoformat()
    assert listed(created_at__gte=since) == {post_like.pk, comment_like.pk}


def test_search_likes_by_the_liker_or_the_receiver_or_the_id(mod_client, make_user, make_post, make_like):
    bob, carol, dave = make_user("bob"), make_user("carol"), make_user("dave")
    by_bob = make_like(bob, make_post(author=carol))
    to_bob = make_like(dave, make_post(author=bob))
    other = make_like(carol, make_post(author=dave))

    def found(term):
        response = mod_client.get(changelist(Like), {"q": term})
        assert response.status_code == 200
        return {like.pk for like in response.context["cl"].result_list}

    assert found("bo") == {by_bob.pk, to_bob.pk}
    assert found("x") == set()
    assert found("@BOB") == {by_bob.pk, to_bob.pk}
    assert found("@bo") == set()
    assert found(str(other.pk)) == {other.pk}
    assert found(str(2**63)) == set()  # beyond any id: no match, not a database error
    assert 'name="q"' in mod_client.get(changelist(Like)).content.decode()


def test_deleting_a_like_changes_karma_at_once(mod_client, moderator, make_user, make_post, make_like):
    bob = make_user("bob")
    like = make_like(make_user(), make_post(author=bob))
    assert karma_of(bob).recent.total == Like.POST_KARMA
    response = mod_client.post(reverse("admin:community_like_delete", args=[like.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Like.objects.exists()
    assert karma_of(bob).recent.total == 0
    assert LogEntry.objects.filter(user=moderator, object_id=str(like.pk), action_flag=DELETION).exists()


# --- Users ---------------------------------------------------------------------------------


def test_user_list_shows_recent_and_all_time_karma(mod_client, make_user, make_post, make_comment, make_like):
    bob = make_user("bob")
    make_like(make_user(), make_post(author=bob))
    make_like(make_user(), make_comment(author=bob), created_at=timezone.now() - timedelta(days=3))
    response = mod_client.get(changelist(User), {"q": "bob"})
    (row,) = response.context["cl"].result_list
    assert row.karma == karma_of(bob)
    assert (row.karma.recent.total, row.karma.all_time.total) == (Like.POST_KARMA, Like.POST_KARMA + 1)
    body = response.content.decode()
    assert row.karma.all_time.receipt in body


def test_ban_logs_the_user_out_at_their_next_request_and_unban_lets_them_back(
    mod_client, moderator, make_user
):
    bob = make_user("bob")
    bob_client = Client()
    bob_client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert bob_client.get(reverse("community:feed")).wsgi_request.user == bob

    response = run_action(mod_client, User, "ban_users", [bob])
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.is_active
    assert bob_client.get(reverse("community:feed")).wsgi_request.user.is_anonymous
    assert LogEntry.objects.filter(user=moderator, object_id=str(bob.pk), action_flag=CHANGE).exists()
    fresh = Client()
    fresh.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert fresh.get(reverse("community:feed")).wsgi_request.user.is_anonymous

    run_action(mod_client, User, "unban_users", [bob])
    bob.refresh_from_db()
    assert bob.is_active
    # The session from before the ban stays ended: whoever held it must log in again.
    assert bob_client.get(reverse("community:feed")).wsgi_request.user.is_anonymous
    fresh.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert fresh.get(reverse("community:feed")).wsgi_request.user == bob


def test_ban_deletes_only_the_banned_users_sessions(mod_client, moderator, make_user):
    bob, carol = make_user("bob"), make_user("carol")
    clients = {}
    for user in (bob, bob, carol):
        client = Client()
        client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        clients.setdefault(user.username, []).append(client)
    assert Session.objects.count() == 4  # the moderator's too

    run_action(mod_client, User, "ban_users", [bob])

    remaining = {str(s.get_decoded().get(SESSION_KEY)) for s in Session.objects.all()}
    assert remaining == {str(carol.pk), str(moderator.pk)}
    assert clients["carol"][0].get(reverse("community:feed")).wsgi_request.user == carol


def test_a_moderator_cannot_ban_staff_or_themselves(mod_client, moderator, make_user):
    staff = make_user("staffer", is_staff=True)
    boss = User.objects.create_superuser("boss", "boss@example.com", PASSWORD)
    run_action(mod_client, User, "ban_users", [staff, boss, moderator])
    assert User.objects.filter(pk__in=[staff.pk, boss.pk, moderator.pk], is_active=True).count() == 3


def test_a_moderator_changes_only_the_active_flag(mod_client, make_user, moderator):
    bob = make_user("bob")
    url = reverse("admin:auth_user_change", args=[bob.pk])
    response = mod_client.post(
        url, {"is_active": "", "is_staff": "on", "is_superuser": "on", "username": "renamed"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.username, bob.is_active, bob.is_staff, bob.is_superuser) == ("bob", False, False, False)
    assert mod_client.get(reverse("admin:auth_user_password_change", args=[bob.pk])).status_code == 403
    # Nor can they lift their own rights.
    mod_client.post(reverse("admin:auth_user_change", args=[moderator.pk]), {"is_superuser": "on"})
    moderator.refresh_from_db()
    assert not moderator.is_superuser


# --- The leaderboard audit -------------------------------------------------------------------


@pytest.fixture
def voting_ring(make_user, make_post, make_comment, make_like):
    """ring1 and ring2 like each other's posts; ring2 is a new account; honest users like ring1 once each."""
    long_ago = timezone.now() - timedelta(days=30)
    ring1 = make_user("ring1", date_joined=long_ago)
    ring2 = make_user("ring2")
    honest = [make_user(f"honest{i}", date_joined=long_ago) for i in range(3)]
    for _ in range(3):
        make_like(ring2, make_post(author=ring1))
    make_like(ring1, make_post(author=ring2))
    for user in honest:
        make_like(user, make_comment(author=ring1))
    # Outside the window: never counted.
    make_like(honest[0], make_post(author=ring1), created_at=long_ago)
    return SimpleNamespace(ring1=ring1, ring2=ring2, honest=honest)


def test_leaderboard_audit_shows_the_top_liker_new_accounts_and_mutual_likes(voting_ring):
    rows = leaderboard_audit()
    top = rows[0]
    assert top.entry.user_id == voting_ring.ring1.pk
    assert top.entry.total == 3 * Like.POST_KARMA + 3 * Like.COMMENT_KARMA
    assert top.likes == 6
    assert (top.top_liker_id, top.top_liker_karma.total) == (voting_ring.ring2.pk, 3 * Like.POST_KARMA)
    assert top.top_liker_share == round(100 * 15 / 18)
    assert top.new_account_likes == 3
    assert [(pair.username, pair.given, pair.received) for pair in top.mutual] == [("ring2", 1, 3)]
    second = rows[1]
    assert second.entry.user_id == voting_ring.ring2.pk
    assert [(pair.username, pair.given, pair.received) for pair in second.mutual] == [("ring1", 3, 1)]
    assert second.new_account_likes == 0


def test_leaderboard_audit_page(mod_client, voting_ring, django_assert_num_queries):
    url = reverse("admin:community_like_audit")
    mod_client.get(url)
    # Session, user, permissions (2), the leaderboard (2), likes received, likes given.
    with django_assert_num_queries(8):
        response = mod_client.get(url)
    body = response.content.decode()
    assert "ring1" in body
    assert "ring2</a> (1 / 3)" in body
    assert reverse("admin:community_like_audit") in mod_client.get(reverse("admin:index")).content.decode()


def test_leaderboard_audit_of_an_empty_day(mod_client):
    assert leaderboard_audit() == []
    assert "Nobody has earned karma" in mod_client.get(reverse("admin:community_like_audit")).content.decode()


# --- Query budgets -----------------------------------------------------------------------------


def _fill(model, count, make_user, make_post, make_comment, make_like):
    if model is Post:
        for _ in range(count):
            post = make_post()
            make_comment(post=post)
            make_like(make_user(), post)
    elif model is Comment:
        post = make_post()
        for _ in range(count):
            make_like(make_user(), make_comment(post=post))
    elif model is Like:
        post = make_post()
        for _ in range(count):
            make_like(make_user(), post)
    else:
        for _ in range(count):
            make_like(make_user(), make_post(author=make_user()))


# A moderator's request: session, user, the user's own and group
# permissions, then the page. Unfiltered post and comment lists: count (an
# estimate on PostgreSQL), page, the date hierarchy's first and last dates
# twice. Likes: count, page. Users: count, page, karma, the groups filter.
# Filtered: the first page plus one row, which is also the count when it is
# all there is (a longer list adds a capped count), and no date hierarchy
# while searching. A search word first lists the users whose name it starts.
@pytest.mark.parametrize(
    ("model", "params", "queries"),
    [
        (Post, {}, 8),
        (Comment, {}, 8),
        (Like, {}, 6),
        (User, {}, 9),
        (Post, {"q": "post"}, 6),
        (Comment, {"q": "comment"}, 6),
        (Comment, {"state__exact": "visible"}, 7),
        (Like, {"target": "post"}, 5),
        (Like, {"q": "user"}, 6),
    ],
)
def test_change_list_query_count_is_pinned_and_does_not_grow(
    mod_client,
    model,
    params,
    queries,
    make_user,
    make_post,
    make_comment,
    make_like,
    django_assert_num_queries,
):
    _fill(model, 1, make_user, make_post, make_comment, make_like)
    url = changelist(model)
    assert mod_client.get(url, params).status_code == 200  # warms the content type cache
    with django_assert_num_queries(queries):
        response = mod_client.get(url, params)
    assert len(response.context["cl"].result_list) >= 1
    _fill(model, 29, make_user, make_post, make_comment, make_like)
    with django_assert_num_queries(queries):
        response = mod_client.get(url, params)
    assert len(response.context["cl"].result_list) >= 30


def test_a_filtered_list_longer_than_a_page_counts_up_to_a_cap(make_comment, django_assert_num_queries):
    first = make_comment()
    for _ in range(4):
        make_comment(post=first.post)
    queryset = Comment.objects.filter(post_id=first.post_id).order_by("-id")
    paginator = LargeTablePaginator(queryset, per_page=2)
    paginator.count_cap = 4
    with django_assert_num_queries(2):
        assert paginator.count == 4
        assert len(paginator.page(1).object_list) == 2
    paginator = LargeTablePaginator(queryset, per_page=10)
    with django_assert_num_queries(1):
        assert paginator.count == 5
        assert len(paginator.page(1).object_list) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's")
def test_an_unfiltered_large_table_is_estimated_not_counted(make_comment, django_assert_num_queries):
    for _ in range(30):
        make_comment()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE community_comment")
    paginator = LargeTablePaginator(Comment.objects.order_by("-id"), per_page=10)
    paginator.estimate_above = 10
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 30
    assert "reltuples" in captured.captured_queries[0]["sql"]
