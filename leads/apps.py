from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Lead scores"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the tasks in every process (web too): crm.services.evidence_changed looks up
        # "leads.process_evidence_changes" by name after commit.
        from leads import tasks  # noqa: F401
