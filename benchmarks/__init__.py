"""
The benchmark of the site at community scale (``manage.py bench``, see
docs/benchmarks.md), apart from the product: it imports ``community``, never
the reverse.

* ``run``: the entry point, ``main()``; the order of the sections.
* ``harness``: the run's state and how a page is measured; ``measure``: timings.
* ``dataset``: the benchmark's database; ``seeding``: its data, generated and
  bulk-loaded (``manage.py seed_bench``).
* One module per section: ``feed``, ``posts`` (post pages and the deep
  chain), ``leaderboard``, ``likes``, ``load_run`` (with ``stack``, the site
  behind nginx on loopback, and ``load``, the Locust load generator run as
  its own process), ``viral``; ``samples``: percentiles, for both.
* ``floors``: the same reads hand-written in SQL; ``targets``: the goals;
  ``report``: the table, the JSON and docs/benchmarks.md.
* ``pg_restart_check``: a separate script, restarting PostgreSQL under the
  site behind nginx (also run by the load section when opted in).
"""
