"""
Screenshots of the main pages at desktop and phone widths, written to
test-artifacts/screenshots/ (ignored by git) for a person to look at.

With REFRESH_README_SCREENSHOT=1 the desktop feed is also copied to
docs/screenshot.png, the README's picture.
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Comment, Post
from community.services.likes import like_add
from community.tests.helpers import PASSWORD

from .conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

POSTS = [
    (
        "maya",
        1,
        "Our street is planting twelve new trees on Saturday morning. Bring gloves if you have them; "
        "coffee and pastries are on the bakery.",
    ),
    (
        "tomas",
        3,
        "Does anyone know a cobbler who still resoles leather boots? Mine have one more winter in them.",
    ),
    (
        "priya",
        5,
        "The library's repair cafe fixed my toaster in ten minutes. Next one is the first Sunday of the "
        "month, 2-5 pm.",
    ),
    ("kenji", 8, "Sunrise from the north pier today was something else. Worth the 6 am alarm."),
]
THREAD = [
    # (author, parent index or None, text)
    ("tomas", None, "I'll be there with a wheelbarrow. Which end of the street do we start?"),
    ("maya", 0, "By the school gate: the holes are already dug there."),
    ("priya", 1, "Perfect, the kids can water them on the way in."),
    ("olu", 2, "Happy to organise a watering rota for the summer."),
    ("kenji", None, "Count me in. Is there anything we should not plant near the pipes?"),
    ("maya", 4, "The council checked the spots: all clear of pipes and cables."),
]


def seed():
    User = get_user_model()
    people = {
        name: User.objects.create_user(username=name, password=PASSWORD)
        for name in ["maya", "tomas", "priya", "kenji", "olu", "sofia"]
    }
    now = timezone.now()
    posts = [
        Post.objects.create(author=people[name], content=text, created_at=now - timedelta(hours=hours))
        for name, hours, text in reversed(POSTS)
    ]
    first = posts[-1]
    comments = []
    for minutes, (name, parent, text) in enumerate(THREAD):
        comments.append(
            Comment.objects.create(
                post=first,
                author=people[name],
                parent=comments[parent] if parent is not None else None,
                content=text,
                created_at=first.created_at + timedelta(minutes=8 * (minutes + 1)),
            )
        )
    for liker in ["tomas", "priya", "kenji", "olu", "sofia"]:
        like_add(user=people[liker], model=Post, target_id=first.pk)
    for liker in ["maya", "kenji", "sofia"]:
        like_add(user=people[liker], model=Post, target_id=posts[-2].pk)
    for liker in ["maya", "olu"]:
        like_add(user=people[liker], model=Post, target_id=posts[-3].pk)
    for comment in comments:
        for liker in ["sofia", "olu", "priya"]:
            if people[liker].pk != comment.author_id:
                like_add(user=people[liker], model=Comment, target_id=comment.pk)
    return people, first


def test_screenshots(page, log_in, screenshots_dir):
    people, post = seed()
    log_in(page, people["sofia"])
    shots = {
        "feed": "/",
        "post": post.get_absolute_url(),
        "leaderboard": "/leaderboard/",
    }
    written = []
    for size_name, size in [("desktop", DESKTOP), ("phone", PHONE)]:
        page.set_viewport_size(size)
        for name, path in shots.items():
            page.goto(path)
            if name == "feed":
                expect(page.locator("[data-leaderboard-list]")).to_be_visible()
            target = screenshots_dir / f"{name}-{size_name}.png"
            page.screenshot(path=target, full_page=size_name == "phone", animations="disabled")
            written.append(target)
    # The keyboard's current item, with its focus ring.
    page.set_viewport_size(DESKTOP)
    page.goto(post.get_absolute_url())
    for _ in range(3):
        page.keyboard.press("j")
    target = screenshots_dir / "post-keyboard-desktop.png"
    page.screenshot(path=target, animations="disabled")
    written.append(target)
    assert all(path.stat().st_size > 10_000 for path in written)
    if os.environ.get("REFRESH_README_SCREENSHOT"):
        shutil.copyfile(
            screenshots_dir / "feed-desktop.png", Path(settings.BASE_DIR) / "docs" / "screenshot.png"
        )
