"""
Benchmark helpers for ``manage.py bench``: the load generator (run as its
own process), dataset preparation, raw-SQL floors and the report.
"""
