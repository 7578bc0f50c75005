"""Run inside the host project: migrate, then call the plugin's API as a tool would. Prints one line."""

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from host.celery import app  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from crm.choices import RepRole, TokenAccess  # noqa: E402
from crm.models import Exchange, Rep  # noqa: E402
from crm.services import api_token_create  # noqa: E402

call_command("migrate", verbosity=0)
call_command("check", fail_level="WARNING")
user = get_user_model().objects.create(username="boss")
Rep.objects.create(user=user, role=RepRole.MANAGER)
Exchange.objects.create(name="Bybit", slug="bybit")
key = api_token_create(user=user, name="tool", access=TokenAccess.READ).key
client = APIClient()
anonymous = client.get("/intel-api/v1/exchanges/").status_code
client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
listed = [row["slug"] for row in client.get("/intel-api/v1/exchanges/").json()["results"]]
schema = client.get("/intel-api/schema/").status_code
footprint = client.get("/intel-api/v1/technographics/exchanges/bybit/footprint/").status_code
# The pages' templates ship inside the apps: the host finds them with APP_DIRS alone.
from django.template.loader import get_template  # noqa: E402

pages = sum(1 for name in ("base.html", "leads/lead_list.html", "intel/event_list.html") if get_template(name))
app.loader.import_default_modules()
tasks = sorted(name for name in app.tasks if name.startswith("leads."))
print(
    f"anonymous={anonymous} listed={listed} schema={schema} footprint={footprint} templates={pages} "
    f"tasks={','.join(tasks)}"
)
