"""
Bulk-load a benchmark-scale community: ``manage.py seed_bench``.

By default: 10,000 users, 100,000 posts, 1,000,000 comments and 5,000,000
likes over the last 30 days, plus two extra posts benchmarks look for:

* "[bench:big-thread] ..." with ``--big-thread`` comments (5,000), top-level
  ones and replies nested at varying depth;
* "[bench:chain] ..." with one reply chain ``--chain`` comments deep (5,000),
  each comment the reply to the one before.

``community.management.commands._seeding.bench_markers()`` returns their ids.
Every user (``user00001`` ...) has the password ``bench-password``.

The data is shaped like a real site's: some users write far more than
others, some posts draw far more comments and likes than others, a reply is
always later than what it answers and on the same post, likes come from
other users than the author (never twice from one user) and mostly soon
after the target appeared, so about 1 like in 30 falls in the last 24 hours.
A few comments are deleted, removed or edited. Content and structure follow
from ``--seed``; times are relative to now.

On PostgreSQL rows are streamed with COPY, and the tables' secondary indexes
and foreign keys are dropped during the load and rebuilt after it; the
default size takes about two minutes on two cores. Other databases get bulk_create in
batches, which is only sensible for small sizes (tests, a laptop).

The command refuses to run on a database that has posts unless ``--reset``
is given, which empties the community tables and deletes every user who is
not a superuser.
"""

import io
import itertools
import math
import random
import time
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from community.models import Comment, Like, Post

from ._seeding import BIG_THREAD_MARKER, CHAIN_MARKER, bench_markers, build_users

# Documented in the help: every seeded account shares it.
BENCH_PASSWORD = "bench-password"  # noqa: S105

SPAN_DAYS = 30
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SPAN_MS = SPAN_DAYS * DAY_MS
# Posts stop a little before now so every post has room for replies after it.
POST_MARGIN_MS = 10 * 60_000
# Mean delay between a post or comment and a reply to it, and between a
# post or comment and a like of it. Likes that follow their target closely
# make the like rate per day follow the posting rate (flat), which is what
# puts about 1/30 of them in the last 24 hours.
TOP_LEVEL_DELAY_MS = 4 * HOUR_MS
REPLY_DELAY_MS = 1 * HOUR_MS
LIKE_DELAY_MS = 3 * HOUR_MS

POST_LIKE_SHARE = 0.4
REPLY_SHARE = 0.6
# Replies pick their parent among the latest few comments of the post,
# which is how discussions deepen on real sites.
RECENT_PER_POST = 6
BIG_THREAD_TOP_LEVEL_SHARE = 0.25
MARKED_THREAD_LIKE_WEIGHT = 0.1

COPY_BATCH_ROWS = 100_000
# COPY's text format spelling of NULL.
NULL = r"\N"
ORM_BATCH_ROWS = 2_000

# One word list as running text: easier to read and edit than 200 quoted items.
WORDS = """
the a an this that it they we you I he she people someone everyone nobody team city council
library garden bike lane train bus street park kitchen bread recipe oven coffee tea book film
song album game board match race run week month year weekend morning evening night update
question answer idea plan project change price cost time money job work code bug test release
server database query page feed comment post thread link photo video map meeting event market
is was will would could should might can does did has had makes made takes took finds found
thinks thought says said wants needed tried tries likes loved hates fixed broke built opened
closed moved started finished really actually probably definitely honestly mostly almost never
always often again still already just only even also quite very pretty fairly too so but and
or because although if when while since until after before with without about around through
good bad great terrible fine better worse best worst new old small big cheap expensive quiet
busy slow fast early late local public free open closed simple hard easy strange obvious
""".split()  # noqa: SIM905
PUNCTUATION = [".", ".", ".", ".", "?", "!"]


class Clock:
    """
    Times are integer milliseconds since the start of the seeded period
    (30 days before now, to the minute); this renders them for COPY or as
    datetimes for the ORM.
    """

    def __init__(self, now):
        self.end = now.replace(second=0, microsecond=0)
        self.start = self.end - timedelta(days=SPAN_DAYS)

    @cached_property
    def _minutes(self):
        return [
            (self.start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M") for i in range(SPAN_MS // 60_000)
        ]

    @cached_property
    def _seconds(self):
        return [f":{ms // 1000:02d}.{ms % 1000:03d}+00" for ms in range(60_000)]

    def text(self, ms):
        # Formatting millions of datetimes is slow; two table lookups are not.
        return self._minutes[ms // 60_000] + self._seconds[ms % 60_000]

    def datetime(self, ms):
        return self.start + timedelta(milliseconds=ms)


def copy_text(value):
    """Escape a string for COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Community:
    """
    Generates the rows of one benchmark community.

    Posts, comments and likes are generators of plain tuples so they can be
    streamed into COPY without holding millions of model instances; while
    they run they record each post's and comment's author and time, which
    the later phases need (replies come after their parent, likes go to the
    author).
    """

    def __init__(self, *, rng, user_ids, post_base, comment_base, n_posts, n_comments, n_big, n_chain):
        self.rng = rng
        self.user_ids = user_ids
        self.post_base = post_base
        self.comment_base = comment_base
        self.n_posts = n_posts
        self.n_comments = n_comments
        self.n_big = n_big
        self.n_chain = n_chain
        self.post_author = []
        self.post_time = []
        self.comment_author = []
        self.comment_time = []
        # A few users write much of the content, as on every forum.
        self.authors_by_rank = rng.sample(user_ids, len(user_ids))
        self.author_cum_weights = list(
            itertools.accumulate(1 / (rank + 1) ** 0.6 for rank in range(len(user_ids)))
        )
        self.post_texts = [self.text(rng.randint(1, 6), links=True) for _ in range(2_000)]
        self.comment_texts = [self.text(rng.randint(1, 4), links=rng.random() < 0.3) for _ in range(5_000)]

    # Text ----------------------------------------------------------------

    def sentence(self):
        words = self.rng.choices(WORDS, k=self.rng.randint(4, 16))
        return " ".join(words).capitalize() + self.rng.choice(PUNCTUATION)

    def text(self, sentences, *, links):
        rng = self.rng
        paragraphs = []
        for _ in range(rng.randint(1, 2) if sentences > 2 else 1):
            paragraphs.append(" ".join(self.sentence() for _ in range(sentences)))
        if links and rng.random() < 0.2:
            paragraphs.append(f"https://example.com/{rng.choice(WORDS)}/{rng.randint(1, 99999)}")
        return "\n\n".join(paragraphs)

    # Times and people ----------------------------------------------------

    def later(self, base, mean_ms):
        """
        A time after `base`: an exponentially distributed delay of mean
        `mean_ms`, cut off at the end of the period (now).

        Cutting the distribution off, rather than moving late draws to just
        before now, matters: what would happen after now has not happened
        yet, so it must not pile up in the last hours.
        """
        room = SPAN_MS - 1 - base
        if room <= 1:
            return SPAN_MS - 1
        # Inverse of the exponential CDF restricted to [0, room).
        delay = -mean_ms * math.log(1 - self.rng.random() * -math.expm1(-room / mean_ms))
        return base + 1 + min(int(delay), room - 1)

    @staticmethod
    def accrued(t, mean_ms):
        """
        The share of its eventual replies or likes that something created at
        `t` has received by now, when they arrive after a delay of mean
        `mean_ms`: recent posts have fewer comments and likes so far.
        """
        return -math.expm1(-(SPAN_MS - t) / mean_ms)

    def authors(self, k):
        return self.rng.choices(self.authors_by_rank, cum_weights=self.author_cum_weights, k=k)

    # Posts ---------------------------------------------------------------

    def posts(self):
        """Rows (id, author_id, content, created_ms), ids in time order, then the two marked posts."""
        rng = self.rng
        times = sorted(rng.randrange(SPAN_MS - POST_MARGIN_MS) for _ in range(self.n_posts))
        for i, (author, t) in enumerate(zip(self.authors(self.n_posts), times, strict=True)):
            yield self.post_row(i, author, rng.choice(self.post_texts), t)

        first, second = rng.sample(self.user_ids, 2)
        self.big_index = self.n_posts
        yield self.post_row(
            self.big_index,
            first,
            f"{BIG_THREAD_MARKER} A discussion with {self.n_big} comments, for benchmarking long threads.",
            SPAN_MS - 2 * DAY_MS,
        )
        self.chain_index = self.n_posts + 1
        yield self.post_row(
            self.chain_index,
            second,
            f"{CHAIN_MARKER} A reply chain {self.n_chain} comments deep, for benchmarking deep threads.",
            SPAN_MS - 3 * DAY_MS,
        )

    def post_row(self, index, author, content, t):
        self.post_author.append(author)
        self.post_time.append(t)
        return (self.post_base + index, author, content, t)

    # Comments ------------------------------------------------------------

    def comments(self):
        """
        Rows (id, post_id, parent_id, author_id, content, created_ms,
        edited_ms, state, state_changed_ms) of the ordinary comments, then
        the big thread, then the chain.
        """
        yield from self.ordinary_comments()
        yield from self.big_thread()
        yield from self.chain()

    def ordinary_comments(self):
        rng = self.rng
        if not self.n_comments:
            return
        popularity = itertools.accumulate(
            rng.lognormvariate(0, 1.0) * self.accrued(t, TOP_LEVEL_DELAY_MS)
            for t in self.post_time[: self.n_posts]
        )
        posts = rng.choices(range(self.n_posts), cum_weights=list(popularity), k=self.n_comments)
        authors = self.authors(self.n_comments)
        recent = {}
        comment_time = self.comment_time
        for post, author in zip(posts, authors, strict=True):
            latest = recent.get(post)
            parent = None
            if latest and rng.random() < REPLY_SHARE:
                parent = latest[-1] if rng.random() < 0.5 else rng.choice(latest)
                # A reply needs a moment after its parent inside the period.
                if comment_time[parent] >= SPAN_MS - 2:
                    parent = None
            if parent is None:
                t = self.later(self.post_time[post], TOP_LEVEL_DELAY_MS)
            else:
                t = self.later(comment_time[parent], REPLY_DELAY_MS)
            row = self.comment_row(post, parent, author, t)
            if latest is None:
                recent[post] = latest = []
            latest.append(len(comment_time) - 1)
            if len(latest) > RECENT_PER_POST:
                del latest[0]
            yield row

    def big_thread(self):
        rng = self.rng
        start = self.post_time[self.big_index]
        # Evenly spaced, so every reply is later than anything before it.
        step = (SPAN_MS - 1 - start) // (self.n_big + 1)
        thread = []
        for k, author in enumerate(self.authors(self.n_big)):
            x = rng.random()
            if not thread or x < BIG_THREAD_TOP_LEVEL_SHARE:
                parent = None
            elif x < 0.65:
                parent = rng.choice(thread[-20:])
            else:
                parent = rng.choice(thread)
            yield self.comment_row(self.big_index, parent, author, start + (k + 1) * step)
            thread.append(len(self.comment_time) - 1)

    def chain(self):
        # Two people arguing, each answering the other's last word.
        first, second = self.rng.sample(self.user_ids, 2)
        start = self.post_time[self.chain_index]
        step = (SPAN_MS - 1 - start) // (self.n_chain + 1)
        parent = None
        for k in range(self.n_chain):
            author = first if k % 2 == 0 else second
            yield self.comment_row(self.chain_index, parent, author, start + (k + 1) * step, plain=True)
            parent = len(self.comment_time) - 1

    def comment_row(self, post, parent, author, t, *, plain=False):
        rng = self.rng
        index = len(self.comment_time)
        self.comment_time.append(t)
        self.comment_author.append(author)
        state, edited, changed = Comment.State.VISIBLE, None, None
        if not plain:
            x = rng.random()
            if x < 0.005:
                state, changed = Comment.State.DELETED, self.later(t, 6 * HOUR_MS)
            elif x < 0.007:
                state, changed = Comment.State.REMOVED, self.later(t, 6 * HOUR_MS)
            elif x < 0.03:
                edited = self.later(t, HOUR_MS // 3)
        return (
            self.comment_base + index,
            self.post_base + post,
            None if parent is None else self.comment_base + parent,
            author,
            rng.choice(self.comment_texts),
            t,
            edited,
            state.value,
            changed,
        )

    # Likes ---------------------------------------------------------------

    def likes(self, total, *, post_type_id, comment_type_id):
        """
        Rows (user_id, target_type_id, target_id, receiver_id, created_ms).

        Each target gets a number of likes (skewed: most get a few, some get
        many) and that many distinct users other than its author, so no
        (user, target) pair repeats and nobody likes their own content.
        """
        cap = len(self.user_ids) - 1
        n_posts, n_comments = len(self.post_time), len(self.comment_time)
        post_total = min(round(total * POST_LIKE_SHARE), n_posts * cap)
        comment_total = min(total - post_total, n_comments * cap)
        post_total = total - comment_total
        groups = [
            (post_type_id, self.post_base, self.post_author, self.post_time, post_total, 1.2),
            (comment_type_id, self.comment_base, self.comment_author, self.comment_time, comment_total, 1.0),
        ]
        rng = self.rng
        user_ids = self.user_ids
        later = self.later
        for type_id, base, authors, times, group_total, sigma in groups:
            weights = [rng.lognormvariate(0, sigma) * self.accrued(t, LIKE_DELAY_MS) for t in times]
            if type_id == comment_type_id:
                # Few readers get far into a discussion thousands of comments
                # long; without this the two people in the chain would also
                # top every karma leaderboard.
                for i in range(self.n_comments, len(weights)):
                    weights[i] *= MARKED_THREAD_LIKE_WEIGHT
            counts = self.allocate(group_total, weights, cap)
            for i, k in enumerate(counts):
                if not k:
                    continue
                author = authors[i]
                created = times[i]
                target_id = base + i
                # One spare draw, dropped again: the author if drawn, else any.
                likers = rng.sample(user_ids, k + 1)
                if author in likers:
                    likers.remove(author)
                else:
                    likers.pop()
                for user in likers:
                    yield (user, type_id, target_id, author, later(created, LIKE_DELAY_MS))

    def allocate(self, total, weights, cap):
        """Split `total` into counts of at most `cap`, in proportion to `weights`."""
        n = len(weights)
        if not total:
            return [0] * n
        rng = self.rng
        scale = total / sum(weights)
        # Rounding up or down at random keeps small weights' share on average.
        counts = [min(cap, int(w * scale + rng.random())) for w in weights]
        missing = total - sum(counts)
        while missing < 0:
            i = rng.randrange(n)
            if counts[i]:
                counts[i] -= 1
                missing += 1
        # Hand out what rounding and the cap left over, a like at a time.
        tries = 0
        while missing and tries < 10 * n + 10 * missing:
            i = rng.randrange(n)
            tries += 1
            if counts[i] < cap:
                counts[i] += 1
                missing -= 1
        # Nearly full: fill the remaining room in order.
        for i in range(n):
            if not missing:
                break
            room = min(cap - counts[i], missing)
            counts[i] += room
            missing -= room
        return counts


class Command(BaseCommand):
    help = (
        "Bulk-load a benchmark-scale community (default 10k users, 100k posts, 1M comments, 5M likes) "
        "plus a big-thread post and a deep reply chain. Users' password: 'bench-password'. "
        "PostgreSQL uses COPY; other databases bulk_create (small sizes only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=10_000)
        parser.add_argument("--posts", type=int, default=100_000)
        parser.add_argument("--comments", type=int, default=1_000_000)
        parser.add_argument("--likes", type=int, default=5_000_000)
        parser.add_argument(
            "--big-thread", type=int, default=5_000, help="Comments on the extra [bench:big-thread] post."
        )
        parser.add_argument(
            "--chain", type=int, default=5_000, help="Depth of the [bench:chain] reply chain."
        )
        parser.add_argument("--seed", type=int, default=42, help="Seed of the random generator.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Empty the community tables and delete all non-superuser users first.",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        self.validate(options)
        self.postgres = connection.vendor == "postgresql"
        self.started = time.monotonic()
        with self.session_settings(), transaction.atomic(), self.pending_checks_cleared():
            self.check_empty(options["reset"])
            self.load(options)
        self.analyze()

        markers = bench_markers()
        self.stdout.write(
            self.style.SUCCESS(f"Done in {time.monotonic() - self.started:.1f} s. Password: {BENCH_PASSWORD}")
        )
        self.stdout.write(
            f"big-thread post {markers.big_thread_post_id}, chain post {markers.chain_post_id}, "
            f"chain root comment {markers.chain_root_id}, chain leaf comment {markers.chain_leaf_id}"
        )

    def validate(self, options):
        for name in ("users", "posts", "comments", "likes", "big_thread", "chain"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} cannot be negative.")
        if options["users"] < 2:
            raise CommandError("--users must be at least 2: nobody may like their own content.")
        if options["chain"] < 1:
            raise CommandError("--chain must be at least 1.")
        if options["comments"] and not options["posts"]:
            raise CommandError("Comments need posts: give --posts.")
        targets = options["posts"] + 2 + options["comments"] + options["big_thread"] + options["chain"]
        capacity = targets * (options["users"] - 1)
        if options["likes"] > capacity:
            raise CommandError(
                f"{options['likes']} likes do not fit: {targets} targets can take at most "
                f"{options['users'] - 1} likes each ({capacity} in all) without duplicates or self-likes."
            )

    @contextmanager
    def session_settings(self):
        if not self.postgres:
            yield
            return
        with connection.cursor() as cursor:
            # The site's statement timeout would cancel a COPY of millions of
            # rows; a larger maintenance_work_mem lets index builds sort in memory.
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("SET maintenance_work_mem = '1GB'")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
                cursor.execute("RESET maintenance_work_mem")

    @contextmanager
    def pending_checks_cleared(self):
        if not self.postgres:
            yield
            return
        # TRUNCATE and ALTER TABLE refuse to run while deferred foreign-key
        # checks of rows written earlier in the transaction are pending (a
        # test's setup, for one); running those checks now empties the queue.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def check_empty(self, reset):
        User = get_user_model()
        if reset:
            with self.phase("reset") as count:
                count(self.reset())
            return
        if Post.objects.exists():
            raise CommandError(
                "The database already has posts. Pass --reset to empty the community tables and delete "
                "every non-superuser user first."
            )
        if User.objects.filter(username__regex=r"^user[0-9]{5,}$").exists():
            raise CommandError(
                "The database already has users named like user00001; pass --reset to delete "
                "non-superuser users first."
            )

    def reset(self):
        User = get_user_model()
        if self.postgres:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Like, Comment, Post))
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        else:
            Like.objects.all().delete()
            Comment.objects.all().delete()
            Post.objects.all().delete()
        _, deleted = User.objects.filter(is_superuser=False).delete()
        return deleted.get(User._meta.label, 0)

    def load(self, options):
        rng = random.Random(options["seed"])
        clock = Clock(timezone.now())

        with self.phase("users") as count:
            user_ids = self.create_users(options["users"], rng, clock)
            count(len(user_ids))

        community = Community(
            rng=rng,
            user_ids=user_ids,
            post_base=self.next_id(Post),
            comment_base=self.next_id(Comment),
            n_posts=options["posts"],
            n_comments=options["comments"],
            n_big=options["big_thread"],
            n_chain=options["chain"],
        )
        esc_cache = {}

        def esc(text):
            # Contents come from small pools; escape each once.
            try:
                return esc_cache[text]
            except KeyError:
                esc_cache[text] = escaped = copy_text(text)
                return escaped

        def ts(ms):
            return NULL if ms is None else clock.text(ms)

        def dt(ms):
            return None if ms is None else clock.datetime(ms)

        with self.phase("posts") as count:
            count(
                self.insert(
                    Post,
                    ["id", "author_id", "content", "created_at"],
                    community.posts(),
                    lambda r: f"{r[0]}\t{r[1]}\t{esc(r[2])}\t{ts(r[3])}\n",
                    lambda r: Post(id=r[0], author_id=r[1], content=r[2], created_at=dt(r[3])),
                )
            )

        with self.phase("comments") as count:
            count(
                self.insert(
                    Comment,
                    [
                        "id",
                        "post_id",
                        "parent_id",
                        "author_id",
                        "content",
                        "created_at",
                        "edited_at",
                        "state",
                        "state_changed_at",
                    ],
                    community.comments(),
                    lambda r: (
                        f"{r[0]}\t{r[1]}\t{NULL if r[2] is None else r[2]}\t{r[3]}\t{esc(r[4])}\t"
                        f"{ts(r[5])}\t{ts(r[6])}\t{r[7]}\t{ts(r[8])}\n"
                    ),
                    lambda r: Comment(
                        id=r[0],
                        post_id=r[1],
                        parent_id=r[2],
                        author_id=r[3],
                        content=r[4],
                        created_at=dt(r[5]),
                        edited_at=dt(r[6]),
                        state=r[7],
                        state_changed_at=dt(r[8]),
                    ),
                )
            )

        with self.phase("likes") as count:
            # A live site stores likes as they happen, so its table (and
            # its ids) follow created_at and the last 24 hours sit in the
            # last pages. Streamed target by target instead, the window was
            # spread over the whole table, and the leaderboard's index-only
            # scan switched visibility-map pages at every third row (60k
            # buffer visits instead of 1k for 170k likes). Sorted, the
            # benchmark reads the table a live site has.
            rows = sorted(
                community.likes(
                    options["likes"],
                    post_type_id=ContentType.objects.get_for_model(Post).id,
                    comment_type_id=ContentType.objects.get_for_model(Comment).id,
                ),
                key=lambda row: row[4],
            )
            rows = iter(rows)  # insert() reads it batch by batch
            count(
                self.insert(
                    Like,
                    ["user_id", "target_type_id", "target_id", "receiver_id", "created_at"],
                    rows,
                    lambda r: f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{ts(r[4])}\n",
                    lambda r: Like(
                        user_id=r[0],
                        target_type_id=r[1],
                        target_id=r[2],
                        receiver_id=r[3],
                        created_at=dt(r[4]),
                    ),
                )
            )

    def create_users(self, n, rng, clock):
        User = get_user_model()
        width = max(5, len(str(n)))
        users = build_users(
            (
                {
                    "username": f"user{i:0{width}d}",
                    "email": f"user{i:0{width}d}@example.com",
                    "date_joined": clock.datetime(0) - timedelta(days=rng.uniform(0, 365)),
                }
                for i in range(1, n + 1)
            ),
            password=BENCH_PASSWORD,
        )
        created = User.objects.bulk_create(users, batch_size=ORM_BATCH_ROWS)
        user_ids = [user.pk for user in created]
        if None in user_ids:
            # Backends that cannot return ids from a bulk insert.
            names = [user.username for user in users]
            by_name = {}
            for start in range(0, n, 500):
                chunk = names[start : start + 500]
                by_name.update(User.objects.filter(username__in=chunk).values_list("username", "id"))
            user_ids = [by_name[name] for name in names]
        return user_ids

    @staticmethod
    def next_id(model):
        # Ids are assigned here rather than by the database, so comments
        # and likes can refer to rows still being streamed in.
        return (model.objects.aggregate(last=Max("id"))["last"] or 0) + 1

    def insert(self, model, columns, rows, to_line, to_instance):
        """Insert the tuples `rows`: with COPY on PostgreSQL, bulk_create elsewhere. Return the count."""
        if not self.postgres:
            count = 0
            while batch := [to_instance(r) for r in itertools.islice(rows, ORM_BATCH_ROWS)]:
                model.objects.bulk_create(batch)
                count += len(batch)
            return count

        quote = connection.ops.quote_name
        table = model._meta.db_table
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        count = 0
        with connection.cursor() as cursor:
            deferred = self.drop_indexes(cursor, table)
            lines = map(to_line, rows)
            while batch := list(itertools.islice(lines, COPY_BATCH_ROWS)):
                cursor.cursor.copy_expert(sql, io.StringIO("".join(batch)), size=1 << 20)
                count += len(batch)
            self.progress(f"  {table}: {count:,} rows copied, rebuilding indexes and constraints")
            self.restore_indexes(cursor, table, deferred)
            if "id" in columns:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {quote(table)}", [table]
                )
        return count

    @staticmethod
    def drop_indexes(cursor, table):
        """
        Drop `table`'s secondary indexes, unique constraints and foreign keys
        and return what is needed to recreate them.

        Building an index once over all rows is much faster than updating it
        row by row, and re-adding a foreign key checks every row in one join
        instead of one lookup per row (Django's foreign keys are deferred,
        so those checks would also queue up in memory until commit). The
        primary key stays. Re-adding the unique constraints fails if the
        data broke them, so they still hold.
        """
        quote = connection.ops.quote_name
        cursor.execute(
            """
            SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype IN ('u', 'f')
            ORDER BY contype DESC, conname
            """,
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
              AND NOT EXISTS (
                SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid
              )
            ORDER BY c.relname
            """,
            [table],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        return constraints, indexes

    @staticmethod
    def restore_indexes(cursor, table, deferred):
        quote = connection.ops.quote_name
        constraints, indexes = deferred
        for _, definition in indexes:
            cursor.execute(definition)
        # Unique constraints first (ordered so above), then foreign keys.
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")

    def analyze(self):
        if not self.postgres:
            return
        User = get_user_model()
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (User, Post, Comment, Like))
        with self.phase("analyze"), connection.cursor() as cursor:
            if connection.in_atomic_block:
                # VACUUM cannot run in a transaction (tests); statistics still help.
                cursor.execute(f"ANALYZE {tables}")
            else:
                # VACUUM sets the visibility map, without which the leaderboard's
                # index-only scan of likes would still visit the table.
                cursor.execute(f"VACUUM (ANALYZE) {tables}")

    @contextmanager
    def phase(self, name):
        counted = []
        started = time.monotonic()
        yield counted.append
        elapsed = time.monotonic() - started
        rows = f"{counted[0]:>12,} rows" if counted else " " * 17
        self.progress(f"{name:<10}{rows}  {elapsed:7.1f} s  (total {time.monotonic() - self.started:.1f} s)")

    def progress(self, message):
        if self.verbosity < 1:
            return
        self.stdout.write(message)
        self.stdout.flush()
