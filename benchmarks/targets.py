"""The targets of the issue, each judged against the figures of one run."""

from .harness import Bench
from .report import Target, ms


def judge(bench: Bench) -> list[Target]:
    f = bench.figures
    feed, lb, lb_floor = f["feed"], f["leaderboard"], f["leaderboard_floor"]
    big, big_floor, post200, chain = f["big"], f["big_floor"], f["post200"], f["chain"]
    viral, viral_fresh, like = f["viral"], f["viral_fresh"], f["like"]
    targets = [
        Target(
            "Leaderboard p50",
            "<= 50 ms",
            f"{lb['p50_ms']:.1f} ms at {bench.data.window_likes:,} likes",
            lb["p50_ms"] <= 50,
        ),
        Target(
            "Leaderboard vs raw-SQL floor",
            "<= 1.5x",
            f"{lb['p50_ms'] / lb_floor['p50_ms']:.2f}x ({lb['p50_ms']:.1f} / {lb_floor['p50_ms']:.1f} ms)",
            lb["p50_ms"] <= 1.5 * lb_floor["p50_ms"],
        ),
        Target(
            "Leaderboard queries",
            "1 aggregate + 1 for names",
            f"{lb['own_queries']} ({lb['queries']} in all, signed in)",
            lb["own_queries"] <= 2,
        ),
        Target(
            "Viral day leaderboard p50",
            "<= 300 ms",
            f"{viral['p50_ms']:.1f} ms vacuumed, {viral_fresh['p50_ms']:.1f} ms before vacuum",
            viral["p50_ms"] <= 300,
        ),
        Target(
            "Feed queries, any page size",
            "<= 4",
            ", ".join(f"{n} at {size}" for size, n in feed["by_size"].items()) + " (signed in)",
            max(feed["by_size"].values()) <= 4 and len(set(feed["by_size"].values())) == 1,
        ),
        Target(
            "Feed p50, first page",
            "<= 15 ms",
            f"{feed['first']['p50_ms']:.1f} ms",
            feed["first"]["p50_ms"] <= 15,
        ),
        Target(
            "Feed deep page vs first",
            "as fast (<= 1.25x)",
            f"{feed['deep']['p50_ms']:.1f} vs {feed['first']['p50_ms']:.1f} ms",
            feed["deep"]["p50_ms"] <= 1.25 * feed["first"]["p50_ms"],
        ),
        Target(
            f"Post with {big['comments']:,} comments: queries",
            "<= 4",
            f"{big['queries']} (signed in)",
            big["queries"] <= 4,
        ),
        Target(
            f"Post with {big['comments']:,} comments: p50",
            "<= 150 ms",
            f"{big['p50_ms']:.1f} ms",
            big["p50_ms"] <= 150,
        ),
        Target(
            f"Post with {big['comments']:,} comments vs raw fetch",
            "<= 4x",
            f"{big['p50_ms'] / big_floor['p50_ms']:.1f}x "
            f"({big['p50_ms']:.1f} / {big_floor['p50_ms']:.1f} ms)",
            big["p50_ms"] <= 4 * big_floor["p50_ms"],
        ),
        Target(
            f"Post with {post200['comments']} comments: p50",
            "<= 30 ms",
            f"{post200['p50_ms']:.1f} ms",
            post200["p50_ms"] <= 30,
        ),
        Target(
            "Deep chain: every continue page",
            "200, <= 4 queries",
            f"{chain['pages']} pages, statuses {chain['statuses']}, "
            f"max {chain['queries']} queries (signed in)",
            chain["statuses"] == [200] and chain["queries"] <= 4 and chain["reached_leaf"],
        ),
        Target("Like toggle p50", "<= 10 ms", f"{like['p50_ms']:.1f} ms", like["p50_ms"] <= 10),
    ]
    load = f.get("load")
    if load is None:
        targets += [
            Target(name, goal, "not run", None)
            for name, goal in (
                ("Load: errors", "0"),
                ("Load: leaderboard p99", "< 500 ms"),
                ("Load: like p99", "< 200 ms"),
            )
        ]
    else:
        board, likes = load["leaderboard"], load["likes"]
        targets += [
            Target("Load: errors", "0", f"{load['errors']} of {load['requests']}", load["errors"] == 0),
            Target(
                "Load: leaderboard p99",
                "< 500 ms",
                ms(board["p99_ms"]),
                board["p99_ms"] is not None and board["p99_ms"] < 500,
            ),
            Target(
                "Load: like p99",
                "< 200 ms",
                ms(likes["p99_ms"]),
                likes["p99_ms"] is not None and likes["p99_ms"] < 200,
            ),
        ]
    return targets
