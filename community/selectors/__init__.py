"""
Reads that cross tables, by subject: `feed`, `threads` (a post's
discussion), `karma` (karma and the leaderboard), `profiles`. One-table
reads are QuerySet methods in `community.models`; the pure comment tree is
`community.comment_tree`.
"""
