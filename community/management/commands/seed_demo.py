"""
Seed a small, believable community to click around in: ``manage.py seed_demo``.

Creates twelve users (maya, tomas, priya, kenji, olu, sofia, ben, lena,
ravi, hana, marco, zoe), all with the password ``community-demo``; about
twenty posts over the last four days, discussions nested up to eight levels
deep (including a deleted and a removed comment), and likes spread over the
last two days, so the 24-hour leaderboard has several users on it.

The text and structure are fixed and the likes come from a fixed random
seed; timestamps are relative to now. Running it again when the demo users
exist changes nothing.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from community.models import Comment, Like, Post

from ._seeding import build_users

DEMO_PASSWORD = "community-demo"  # noqa: S105 (documented demo password)
RANDOM_SEED = 20240611

USERS = [
    ("maya", "Maya", "Okafor"),
    ("tomas", "Tomas", "Lindqvist"),
    ("priya", "Priya", "Raman"),
    ("kenji", "Kenji", "Watanabe"),
    ("olu", "Olu", "Adeyemi"),
    ("sofia", "Sofia", "Marchetti"),
    ("ben", "Ben", "Hartley"),
    ("lena", "Lena", "Vogel"),
    ("ravi", "Ravi", "Menon"),
    ("hana", "Hana", "Kim"),
    ("marco", "Marco", "Ruiz"),
    ("zoe", "Zoe", "Fischer"),
]


@dataclass
class C:
    """A comment to seed and the replies under it."""

    author: str
    text: str
    replies: list["C"] = field(default_factory=list)
    state: str = Comment.State.VISIBLE


def c(author, text, *replies, state=Comment.State.VISIBLE):
    return C(author, text, list(replies), state)


# (author, hours ago, content, comments). Listed oldest first so ids follow time.
POSTS = [
    (
        "priya",
        94,
        "Finally got my sourdough starter to double in six hours. The trick was switching the feed "
        "to 20% rye and keeping the jar on top of the fridge, where it's a few degrees warmer.\n\n"
        "Day 9 photo: https://example.com/img/starter-day9.jpg",
        [
            c(
                "sofia",
                "Rye is magic for starters. Mine was sluggish for two weeks and perked up within a day of "
                "adding some.",
                c(
                    "priya",
                    "Right? I'd read that it's the extra enzymes and wild yeast on the bran. Did you keep "
                    "the rye in or go back to plain flour?",
                    c(
                        "sofia",
                        "Kept about 10%. Full rye made it smell like nail polish remover by day two.",
                        c(
                            "kenji",
                            "The nail polish smell is the starter being hungry, not the rye. Feed it more "
                            "often or at a higher ratio and it goes away.",
                            c(
                                "sofia",
                                "Huh. I was feeding 1:1:1 once a day. You'd go 1:5:5?",
                                c(
                                    "kenji",
                                    "At room temperature, yes. 1:5:5 twice a day if it's warm. "
                                    "It sounds wasteful but you can use the discard for pancakes.",
                                    c(
                                        "priya",
                                        "Discard pancakes are the real reason to keep a starter, "
                                        "don't let anyone tell you otherwise.",
                                        c(
                                            "tomas",
                                            "Reading this thread at 11pm was a mistake. Now I want pancakes.",
                                        ),
                                    ),
                                ),
                                c("lena", "Saving this. Mine smells exactly like that."),
                            ),
                        ),
                    ),
                ),
            ),
            c(
                "ben",
                "How warm is the top of your fridge? Mine is barely warmer than the kitchen.",
                c("priya", "About 26 degrees according to a cheap thermometer. Older fridge, I suspect."),
            ),
            c("hana", "That rise is beautiful. Bookmarking for when I finally start one."),
        ],
    ),
    (
        "kenji",
        90,
        "PSA: the bike lane on Harbour Street is closed for resurfacing until the 14th. The detour via "
        "Mill Road is fine, but watch the tram tracks at the junction, they're at a nasty angle.",
        [
            c(
                "ravi",
                "Thanks, went down there yesterday and had to carry the bike over a trench.",
                c("kenji", "Ouch. The signs only went up this morning."),
            ),
            c("maya", "Cross the tracks as close to 90 degrees as you can, it makes all the difference."),
        ],
    ),
    (
        "ben",
        86,
        "What's a book you reread every few years? Mine is The Left Hand of Darkness. It's a different "
        "book every time I read it.",
        [
            c(
                "lena",
                "Middlemarch. I was on Dorothea's side at 20 and on almost everyone else's at 35.",
                c(
                    "ben",
                    "That's exactly the kind of answer I was hoping for.",
                    c("zoe", "Same. Adding it to the pile, which is now taller than me."),
                ),
            ),
            c("marco", "The Hobbit, every winter. Comfort food in book form."),
            c(
                "hana",
                "Pride and Prejudice. I know, I know.",
                c("sofia", "No apology needed, it's a perfect book."),
            ),
        ],
    ),
    (
        "lena",
        80,
        "Tabs vs spaces is settled, but what about trailing commas in function calls? Our linter just "
        "started enforcing them and half the team is furious.",
        [
            c(
                "hana",
                "Trailing commas make diffs one line shorter when you add an argument. That's the whole "
                "argument and it's a good one.",
                c(
                    "tomas",
                    "They also look like a typo to anyone who hasn't seen them before.",
                    c(
                        "hana",
                        "So does a semicolon to someone who has never programmed. Familiarity isn't an "
                        "argument.",
                        c(
                            "tomas",
                            "Familiarity is exactly the argument when you're onboarding people every month.",
                            c(
                                "lena",
                                "Onboarding is where the linter helps most, though. Nobody has to "
                                "remember the rule, the formatter just does it.",
                                c("tomas", "Fine. I concede the formatter point. Not the aesthetic one."),
                            ),
                        ),
                    ),
                ),
                c(
                    "ravi",
                    "This is a reasonable take and I'm annoyed about it.",
                    state=Comment.State.DELETED,
                ),
            ),
            c(
                "marco",
                "Whatever you pick, pick it in the formatter config and stop discussing it in reviews.",
            ),
        ],
    ),
    (
        "olu",
        75,
        "Community garden plots open for sign-up next Saturday, 9am at the library. 24 plots, first "
        "come first served. Bring gloves if you want to help clear the beds afterwards.\n\n"
        "Details and the waiting list: https://example.org/garden-signup",
        [
            c(
                "maya",
                "Is there still a tool shed, or should we bring our own?",
                c("olu", "The shed is there, but half the spades have vanished. Bring one if you can."),
            ),
            c("zoe", "Signed up for the waiting list, fingers crossed."),
            c(
                "marco",
                "Olu, half the plots went to your friends last year. Nobody trusts you with that list.",
                state=Comment.State.REMOVED,
            ),
        ],
    ),
    (
        "sofia",
        70,
        "Made fresh pasta with the kids this weekend. Flour everywhere, zero regrets.\n\n"
        "Recipe: 100 g flour per egg, knead 10 minutes, rest 30. That's it.",
        [
            c("hana", "100 g per egg is such an easy ratio to remember."),
            c(
                "marco",
                "Did you roll by hand or with a machine?",
                c("sofia", "Rolling pin. The kids liked cutting the strips with a pizza wheel."),
            ),
        ],
    ),
    (
        "marco",
        64,
        "Is anyone else's internet dropping every evening around 8pm? Started last Tuesday. The provider "
        "says there are no outages in the area.",
        [
            c(
                "ravi",
                "Not here, same provider. Have you tried a cable instead of wifi?",
                c("marco", "Cable drops too, so it's not the wifi at least."),
            ),
            c("kenji", "Check whether the router reboots at that time, some of them do scheduled updates."),
        ],
    ),
    (
        "hana",
        58,
        "Small win: I shipped my first open-source pull request today. A two-line documentation fix, "
        "but the maintainer said thanks and merged it within an hour.",
        [
            c("lena", "Congratulations! Docs fixes are how most of us started."),
            c("ben", "That's how it begins. Next thing you know you're maintaining three packages."),
            c("zoe", "Well done!"),
        ],
    ),
    (
        "ravi",
        52,
        "Question for the runners: how do you stay motivated in winter? I had a great streak going until "
        "the clocks changed.",
        [
            c(
                "maya",
                "I sign up for a race in early spring. Nothing motivates like a date on the calendar.",
                c("ravi", "That's a good one. A bit scary, which is probably the point."),
            ),
            c("tomas", "Head torch and a running buddy. The buddy is the important part."),
        ],
    ),
    (
        "zoe",
        47,
        "Found this explainer on how noise-cancelling headphones work, really well done:\n"
        "https://example.com/articles/anc-explained\n\n"
        "The part about the feedback microphones was new to me.",
        [
            c("kenji", "Great find. The diagrams are excellent."),
        ],
    ),
    (
        "maya",
        40,
        "Reminder that the repair café is on Sunday, 1-4pm in the church hall. We fixed 31 things last "
        "month, including a 1970s toaster that now works better than mine.",
        [
            c(
                "olu",
                "Can you do bike brakes? Asking for a friend (me).",
                c("maya", "Kenji usually brings his tools, so yes, most likely."),
            ),
            c("sofia", "I'll bring the lamp that's been flickering since 2019."),
        ],
    ),
    (
        "tomas",
        33,
        "Unpopular opinion: board games with more than 45 minutes of rules explanation should come with "
        "a video.",
        [
            c(
                "ben",
                "Most of them do now, and the videos are 45 minutes long.",
                c("tomas", "I hate that this is true."),
            ),
            c("lena", "The best rules explanation is playing one practice round with the cards face up."),
        ],
    ),
    (
        "priya",
        29,
        "Update on the rye starter: it survived a week in the fridge while I was away. Two feeds and it's "
        "back to full strength.",
        [
            c("sofia", "Told you it was indestructible."),
            c("kenji", "The fridge is a pause button. Good to know it works for you too."),
        ],
    ),
    (
        "kenji",
        24,
        "Does anyone have a torque wrench I could borrow for an afternoon? Replacing a carbon seatpost "
        "and I don't want to crack it.",
        [
            c("maya", "I have one (2-24 Nm). Pick it up whenever, I'm home after six."),
        ],
    ),
    (
        "lena",
        20,
        "Shower thought: a to-do list is just a queue that you're allowed to reorder whenever you feel "
        "guilty.",
        [
            c("zoe", "And the bottom of the queue is where tasks go to die peacefully."),
            c("hana", "Priority inversion, but for chores."),
        ],
    ),
    (
        "ben",
        16,
        "Local history night at the library on Thursday: the old rope works, and why half the street "
        "names around the harbour are nautical. Free, 7pm.",
        [
            c("olu", "I've always wondered about Tar Lane. I'll be there."),
        ],
    ),
    (
        "olu",
        12,
        "Tomato update: the blight got half of them. Lessons learned:\n"
        "- water the soil, not the leaves\n"
        "- more space between plants\n"
        "- pick a resistant variety next year\n\n"
        "Any recommendations for varieties?",
        [
            c(
                "maya",
                "Crimson Crush has been great for us, no blight two years running.",
                c("olu", "Writing that down, thank you."),
            ),
            c("priya", "Mulch helps too, it stops soil splashing onto the lower leaves."),
        ],
    ),
    (
        "marco",
        9,
        "Update on the evening dropouts: it was the router. A firmware update was scheduled for 8pm "
        "every day and kept failing and retrying. Turned off auto-update and it's been stable for "
        "three days.",
        [
            c("kenji", "Called it!"),
            c("ravi", "Good to know, I'll check mine."),
        ],
    ),
    (
        "hana",
        6,
        "What's your favourite keyboard shortcut that nobody seems to know about? Mine: Ctrl+Shift+T "
        "reopens the last tab you closed.",
        [
            c("lena", "Alt+Shift+drag for a rectangular selection in most editors."),
            c("tomas", "Win+V for clipboard history on Windows. Life-changing."),
        ],
    ),
    (
        "zoe",
        3,
        "Sunset from the pier yesterday. No filter, the sky just did that.\n"
        "https://example.com/img/pier-sunset.jpg",
        [],
    ),
]


class Command(BaseCommand):
    help = (
        "Seed a small demo community: 12 users (password 'community-demo'), about 20 posts, nested "
        "discussions and likes over the last two days. Does nothing if the demo users already exist."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        usernames = [username for username, _, _ in USERS]
        existing = User.objects.filter(username__in=usernames).count()
        if existing:
            self.stdout.write(
                f"Demo data already present ({existing} of {len(usernames)} demo users exist); nothing to do."
            )
            return

        with transaction.atomic():
            counts = self.seed(User)

        self.stdout.write(
            self.style.SUCCESS(
                "Seeded {users} users, {posts} posts, {comments} comments, {likes} likes.".format(**counts)
            )
        )
        self.stdout.write(f"Log in as any of: {', '.join(usernames)}. Password: {DEMO_PASSWORD}")

    def seed(self, User):
        rng = random.Random(RANDOM_SEED)
        now = timezone.now()

        users = User.objects.bulk_create(
            build_users(
                [
                    {
                        "username": username,
                        "first_name": first,
                        "last_name": last,
                        "email": f"{username}@example.com",
                        "date_joined": now - timedelta(days=rng.randint(20, 400)),
                    }
                    for username, first, last in USERS
                ],
                password=DEMO_PASSWORD,
            )
        )
        # bulk_create does not set pks on every backend, so read them back.
        by_name = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list("username", "id")
        )

        # (content type id, target id, author id, created_at) of everything likeable.
        targets = []
        post_type = ContentType.objects.get_for_model(Post)
        comment_type = ContentType.objects.get_for_model(Comment)
        n_posts = n_comments = 0

        for author, hours_ago, content, comments in POSTS:
            created_at = now - timedelta(hours=hours_ago, minutes=rng.randint(0, 50))
            post = Post.objects.create(author_id=by_name[author], content=content, created_at=created_at)
            n_posts += 1
            targets.append((post_type.id, post.id, post.author_id, created_at))
            # Depth-first, so every parent is saved before its replies.
            stack = [(comment, None, created_at) for comment in reversed(comments)]
            while stack:
                spec, parent, after = stack.pop()
                comment_at = self.later(rng, after, now)
                state_changed_at = None
                if spec.state != Comment.State.VISIBLE:
                    state_changed_at = self.later(rng, comment_at, now)
                comment = Comment.objects.create(
                    post=post,
                    parent=parent,
                    author_id=by_name[spec.author],
                    content=spec.text,
                    created_at=comment_at,
                    state=spec.state,
                    state_changed_at=state_changed_at,
                )
                n_comments += 1
                targets.append((comment_type.id, comment.id, comment.author_id, comment_at))
                stack.extend((reply, comment, comment_at) for reply in reversed(spec.replies))

        likes = self.build_likes(rng, targets, sorted(by_name.values()), now, post_type_id=post_type.id)
        Like.objects.bulk_create(likes)
        return {"users": len(users), "posts": n_posts, "comments": n_comments, "likes": len(likes)}

    @staticmethod
    def later(rng, after, now):
        """A moment between `after` and now, usually within a few hours of `after`."""
        room = (now - after).total_seconds()
        delay = min(rng.expovariate(1 / 5400), room * 0.5)
        return after + timedelta(seconds=max(delay, 1))

    @staticmethod
    def build_likes(rng, targets, user_ids, now, *, post_type_id):
        """
        Likes from other users (never the author), each received by the
        target's author, made in the last two days and after the target was
        created. Posts draw more likes than comments, and some targets draw
        none, so karma differs from user to user.
        """
        window_start = now - timedelta(days=2)
        likes = []
        for target_type_id, target_id, author_id, created_at in targets:
            is_post = target_type_id == post_type_id
            count = rng.choice([0, 1, 2, 3, 4, 5, 7, 9] if is_post else [0, 0, 0, 1, 1, 2, 3, 5])
            others = [user_id for user_id in user_ids if user_id != author_id]
            start = max(created_at, window_start)
            span = (now - start).total_seconds()
            for user_id in rng.sample(others, min(count, len(others))):
                likes.append(
                    Like(
                        user_id=user_id,
                        target_type_id=target_type_id,
                        target_id=target_id,
                        receiver_id=author_id,
                        created_at=start + timedelta(seconds=rng.uniform(0, span)),
                    )
                )
        return likes
