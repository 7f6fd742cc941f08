import os

import pytest


def pytest_configure(config):
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("CI") and engine != "django.db.backends.postgresql":
        raise pytest.UsageError(
            f"CI must run the suite on PostgreSQL, but the database engine is {engine}: set DATABASE_URL."
        )


@pytest.fixture(autouse=True)
def _content_types_cached(db):
    """
    Warm the content type cache, as it is in any running process, so query
    counts do not depend on which test ran first.
    """
    from django.contrib.contenttypes.models import ContentType

    from community.models import Comment, Post

    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(Post, Comment)
