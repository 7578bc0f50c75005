from django.apps import AppConfig


class SalesforceConfig(AppConfig):
    name = "leads.salesforce"
    label = "salesforce"
    verbose_name = "Salesforce sync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # crm may not import the sync: an account merge moves the Salesforce accounts matched to the
        # source through this mover.
        from crm.merging import register_mover
        from leads.salesforce.pulling import exchange_merge_move_salesforce_accounts

        register_mover(exchange_merge_move_salesforce_accounts)
