"""
The rows of a benchmark community, generated in pure Python: users' activity
skewed as on every forum, replies later than what they answer and on the
same post, likes from others than the author (never twice from one user) and
mostly soon after their target appeared, so about 1 like in 30 falls in the
last 24 hours. Content and structure follow from the random generator;
times are milliseconds from the start of the seeded period.
"""

import itertools
import math
from datetime import timedelta
from functools import cached_property

from community.models import Comment

from .markers import BIG_THREAD_MARKER, CHAIN_MARKER

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
# Words no pool text has, planted in one comment text and one post text
# each: what a search for a rare word finds (a few hundred rows of a
# million). Every word of WORDS is in thousands of texts.
RARE_WORDS = ("zeppelin", "marzipan", "quokka")


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
        # Planted without drawing from `rng`, so the rest of the data is
        # what the same seed always gave.
        for k, word in enumerate(RARE_WORDS):
            self.post_texts[k] = f"{self.post_texts[k]} And {word}."
            self.comment_texts[k] = f"{self.comment_texts[k]} And {word}."

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
        edited_ms, state, state_changed_ms, reply_to_user_id) of the
        ordinary comments, then the big thread, then the chain. The last is
        the author answered (the parent's, or the post's for a top-level
        comment), as the site records it for the inbox.
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
        answered = self.post_author[post] if parent is None else self.comment_author[parent]
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
            answered,
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
