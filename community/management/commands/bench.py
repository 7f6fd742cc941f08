"""
``manage.py bench`` (``make bench``): benchmark the site at community scale on
PostgreSQL. The benchmark itself is ``benchmarks.run.main()``; what it
measures and how is in docs/benchmarks.md.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Benchmark feed, threads, leaderboard, likes and a load run on PostgreSQL at community scale; "
        "print PASS/MISS per target, write JSON and docs/benchmarks.md."
    )
    # Checks would build the template engine before DEBUG is turned off.
    requires_system_checks = []

    def add_arguments(self, parser):
        from benchmarks.dataset import TINY_DATABASE

        parser.add_argument(
            "--tiny",
            action="store_true",
            help=f"Seed (or reuse) a tiny dataset in the database {TINY_DATABASE} on the same "
            "server and run every measurement briefly (CI).",
        )
        parser.add_argument("--no-docs", action="store_true", help="Do not update docs/benchmarks.md.")
        parser.add_argument("--no-load", action="store_true", help="Skip the load run under gunicorn.")
        parser.add_argument(
            "--runs", type=int, default=None, help="Timed runs per measurement (default 30, 3 with --tiny)."
        )
        parser.add_argument(
            "--json", type=Path, default=None, help="Where to write the results (default bench-results/)."
        )
        parser.add_argument(
            "--reseed", action="store_true", help="Seed the benchmark database afresh even if it is usable."
        )

    def handle(self, *args, **options):
        from benchmarks.run import BenchmarkError, main

        try:
            main(
                tiny=options["tiny"],
                runs=options["runs"],
                json_path=options["json"],
                docs=not options["no_docs"],
                load=not options["no_load"],
                reseed=options["reseed"],
                out=self.say,
                err=self.stderr.write,
            )
        except BenchmarkError as exc:
            raise CommandError(str(exc)) from exc

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
