from django.apps import AppConfig


class CommunityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "community"
    verbose_name = "Community"

    def ready(self):
        from . import (
            checks,  # noqa: F401 (registers the deploy checks)
            signals,  # noqa: F401 (connects the receivers on the user model)
        )
