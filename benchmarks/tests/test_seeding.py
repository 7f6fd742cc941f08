"""The benchmark finds the posts its seeding plants, and only those."""

from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks.seeding import bench_markers, seed_community
from community.models import Comment, Post

TINY = {"users": 10, "posts": 5, "comments": 20, "likes": 30, "big_thread": 8, "chain": 4}


@pytest.mark.django_db
def test_bench_markers_find_the_big_thread_and_the_chain():
    seeded = seed_community(**TINY)

    markers = bench_markers()
    assert markers == seeded.markers
    assert Comment.objects.filter(post_id=markers.big_thread_post_id).count() == TINY["big_thread"]
    chain = Comment.objects.filter(post_id=markers.chain_post_id)
    assert chain.get(parent=None).id == markers.chain_root_id
    assert chain.order_by("-created_at").first().id == markers.chain_leaf_id
    assert markers.describe() in seeded.summary()


@pytest.mark.django_db
def test_bench_markers_is_none_without_bench_data():
    call_command("seed_demo", stdout=StringIO())

    assert Post.objects.exists()
    assert bench_markers() is None
