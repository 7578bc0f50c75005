from django.apps import AppConfig


class IntelConfig(AppConfig):
    name = "intel"
    verbose_name = "Evidence"
    default_auto_field = "django.db.models.BigAutoField"
