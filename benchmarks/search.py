"""
Search at community size: a common word (in one comment of six), a rare one
(planted by seed_bench in a few hundred rows) and a rare phrase of common
words.
"""

from urllib.parse import urlencode

from django.urls import reverse

from .harness import Bench
from .seeding.generator import RARE_WORDS

COMMON_WORD = "coffee"
# PostgreSQL estimates a phrase as if its words were independent: a rare
# phrase of common words is the search's hardest case.
HARD_PHRASE = '"good coffee"'


def run(bench: Bench) -> None:
    search = reverse("community:search")
    figures = {}
    for key, name, query, note in (
        ("common", "common word", COMMON_WORD, "in every sixth comment"),
        ("rare", "rare word", RARE_WORDS[0], "in a few hundred rows"),
        ("phrase", "phrase of common words", HARD_PHRASE, "a rare phrase of two common words"),
    ):
        figures[key] = bench.measure_page(
            f"Search, {name}", f"{search}?{urlencode({'q': query})}", note=f"{query}: {note}"
        )
    bench.figures["search"] = figures
