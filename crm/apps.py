from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Account book"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crm import checks  # noqa: F401  (registers the system checks)
        from crm.plugin import validate_settings

        validate_settings()
