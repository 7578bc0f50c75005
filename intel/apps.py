from django.apps import AppConfig


class IntelConfig(AppConfig):
    name = "intel"
    verbose_name = "Evidence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # crm may not import intel: an account merge moves the evidence through this mover.
        from crm.merging import register_mover
        from intel.merging import exchange_merge_move_evidence

        register_mover(exchange_merge_move_evidence)
