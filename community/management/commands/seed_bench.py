"""
``manage.py seed_bench``: bulk-load a benchmark-scale community, plus a post
with a big thread and a post with a deep reply chain (``benchmarks.seeding``).

Refuses to run on a database that has posts unless ``--reset`` is given,
which empties the community tables and deletes every user who is not a
superuser.
"""

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Bulk-load a benchmark-scale community (default 10k users, 100k posts, 1M comments, 5M likes) "
        "plus a big-thread post and a deep reply chain. Users' password: 'bench-password'. "
        "PostgreSQL uses COPY; other databases bulk_create (small sizes only)."
    )

    def add_arguments(self, parser):
        from benchmarks.dataset import FULL_SIZE
        from benchmarks.seeding import DEFAULT_SEED

        for name in ("users", "posts", "comments", "likes"):
            parser.add_argument(f"--{name}", type=int, default=FULL_SIZE[name])
        parser.add_argument(
            "--big-thread",
            type=int,
            default=FULL_SIZE["big_thread"],
            help="Comments on the extra [bench:big-thread] post.",
        )
        parser.add_argument(
            "--chain", type=int, default=FULL_SIZE["chain"], help="Depth of the [bench:chain] reply chain."
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the random generator.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the community tables and delete all non-superuser users first.",
        )

    def handle(self, *args, **options):
        from benchmarks.seeding import SeedError, seed_community

        sizes = ("users", "posts", "comments", "likes", "big_thread", "chain")
        try:
            seeded = seed_community(
                **{name: options[name] for name in sizes},
                seed=options["seed"],
                reset=options["reset"],
                progress=self.progress if options["verbosity"] >= 1 else None,
            )
        except SeedError as exc:
            raise CommandError(str(exc)) from exc
        done, markers = seeded.summary()
        self.stdout.write(self.style.SUCCESS(done))
        self.stdout.write(markers)

    def progress(self, message):
        self.stdout.write(message)
        self.stdout.flush()
