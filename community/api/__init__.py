"""
The JSON API (Django REST framework), under /api/v1/.

The same reads and writes as the pages, presented as JSON: views call
`community.selectors` and `community.services`, ask `community.rules`, and
validate text with the forms' rules, so a page and the API cannot disagree.
The modules: `urls`, `views/` (one module per subject), `serializers` (the
documented shapes), `pagination` (the feed's keyset cursor), `permissions`
(session authentication, author-only changes, write limits) and `errors`
(one JSON error shape for every 4xx).
"""
