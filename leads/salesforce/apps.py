from django.apps import AppConfig


class SalesforceConfig(AppConfig):
    name = "leads.salesforce"
    label = "salesforce"
    verbose_name = "Salesforce sync"
    default_auto_field = "django.db.models.BigAutoField"
