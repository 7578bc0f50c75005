from django.apps import AppConfig


class TechnographicsConfig(AppConfig):
    name = "intel.technographics"
    label = "technographics"
    verbose_name = "Technographics"
    default_auto_field = "django.db.models.BigAutoField"
