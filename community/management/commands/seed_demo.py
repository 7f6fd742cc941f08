"""
``manage.py seed_demo``: seed the demo community of ``community.demo`` (twelve
users, password ``community-demo``, about twenty posts, nested discussions and
likes). Running it again when the demo users exist changes nothing.
"""

from django.core.management.base import BaseCommand

from community import demo


class Command(BaseCommand):
    help = (
        "Seed a small demo community: 12 users (password 'community-demo'), about 20 posts, nested "
        "discussions and likes over the last two days. Does nothing if the demo users already exist."
    )

    def handle(self, *args, **options):
        usernames = demo.demo_data().usernames
        existing = demo.existing_demo_users()
        if existing:
            self.stdout.write(
                f"Demo data already present ({existing} of {len(usernames)} demo users exist); nothing to do."
            )
            return

        counts = demo.seed_demo()

        self.stdout.write(
            self.style.SUCCESS(
                "Seeded {users} users, {posts} posts, {comments} comments, {likes} likes.".format(**counts)
            )
        )
        self.stdout.write(f"Log in as any of: {', '.join(usernames)}. Password: {demo.DEMO_PASSWORD}")
