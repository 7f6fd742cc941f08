import pytest
from django.db import IntegrityError, connection, transaction

from community.models import Comment, Like, Post


def test_a_second_like_by_the_same_user_on_the_same_target_is_refused(make_post, make_like, bob):
    post = make_post()
    make_like(bob, post)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_like(bob, post)
    assert Like.objects.count() == 1


def test_likes_on_a_post_and_a_comment_with_the_same_id_do_not_collide(
    make_post, make_comment, make_like, bob
):
    post = make_post()
    comment = make_comment(post=post)
    Comment.objects.filter(pk=comment.pk).update(id=post.pk)
    comment = Comment.objects.get(pk=post.pk)
    assert comment.pk == post.pk
    make_like(bob, post)
    make_like(bob, comment)
    assert Like.objects.filter(user=bob, target_id=post.pk).count() == 2


def test_deleting_a_post_deletes_its_likes(make_post, make_like, bob, alice):
    post = make_post()
    keep = make_post()
    make_like(bob, post)
    make_like(alice, post)
    make_like(bob, keep)
    post.delete()
    assert list(Like.objects.values_list("target_id", flat=True)) == [keep.pk]


def test_karma_is_not_a_field_anywhere():
    from django.contrib.auth import get_user_model

    for model in (Post, Comment, Like, get_user_model()):
        assert not [f.name for f in model._meta.get_fields() if "karma" in f.name]


@pytest.mark.parametrize("model", [Post, Comment, Like])
def test_no_index_repeats_the_start_of_another(model):
    # An index whose columns lead another index only costs writes: every
    # read it could serve, the wider one serves (migrations 0005 and 0014).
    partial = {index.name for index in model._meta.indexes if index.condition is not None}
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    indexes = {
        name: list(found["columns"])
        for name, found in constraints.items()
        if found["index"] and not found["primary_key"] and name not in partial and all(found["columns"])
    }
    assert indexes
    for name, columns in indexes.items():
        if constraints[name]["unique"]:
            continue
        for other, wider in indexes.items():
            leads = other != name and wider[: len(columns)] == columns
            assert not leads, f"{name} {columns} leads {other} {wider}"
