"""
A benchmark-scale community, bulk-loaded (``manage.py seed_bench``).

By default (``benchmarks.dataset.FULL_SIZE``): 10,000 users, 100,000 posts,
1,000,000 comments and 5,000,000 likes over the last 30 days, plus two extra
posts the benchmark looks for (``markers``):

* "[bench:big-thread] ..." with 5,000 comments, top-level ones and replies
  nested at varying depth;
* "[bench:chain] ..." with one reply chain 5,000 comments deep, each comment
  the reply to the one before.

Every user (``user00001`` ...) has the password ``bench-password``.

The data is shaped like a real site's (``generator``): some users write far
more than others, some posts draw far more comments and likes than others, a
reply is always later than what it answers and on the same post, likes come
from other users than the author (never twice from one user) and mostly soon
after the target appeared, so about 1 like in 30 falls in the last 24 hours.
A few comments are deleted, removed or edited. Content and structure follow
from the seed; times are relative to now.

On PostgreSQL rows are streamed with COPY, and the tables' secondary indexes
and foreign keys are dropped during the load and rebuilt after it (``bulk``);
the default size takes about two minutes on two cores. Other databases get
bulk_create in batches, which is only sensible for small sizes (tests, a
laptop).
"""

from .markers import BIG_THREAD_MARKER, CHAIN_MARKER, BenchMarkers, bench_markers
from .seeder import BENCH_PASSWORD, DEFAULT_SEED, Seeded, SeedError, seed_community

__all__ = [
    "BENCH_PASSWORD",
    "BIG_THREAD_MARKER",
    "CHAIN_MARKER",
    "DEFAULT_SEED",
    "BenchMarkers",
    "SeedError",
    "Seeded",
    "bench_markers",
    "seed_community",
]
