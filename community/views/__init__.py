"""
HTTP, by subject: `posts` (the feed and posts), `comments`, `likes`,
`people` (profiles and the leaderboard), `accounts`, `ops`; `base` holds
what they share. Views only speak HTTP: rules from `community.rules`, reads
from `community.selectors`, writes through `community.services`.
"""
