"""Run inside a fresh virtual environment holding the built wheel, from a folder outside the repository:
migrate the host project, load the demo data, then open every page and call every API endpoint once in
English, Japanese and Simplified Chinese. Prints one JSON object (the test compares it whole)."""

import json
import re
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import URLPattern, URLResolver  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

import crm  # noqa: E402
import crm.page_urls  # noqa: E402

call_command("migrate", verbosity=0)
call_command("check", fail_level="WARNING")
call_command("load_demo", verbosity=0, stdout=sys.stderr)

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from crm.choices import ActivityKind, TokenAccess  # noqa: E402
from crm.models import Activity, Allocation, ApiToken, CloudVendor, Contact, Exchange, Jurisdiction, Presence  # noqa: E402
from crm.services import api_token_create  # noqa: E402
from intel.models import Attendee, AttendeeImport, Event, Regulation, Signal  # noqa: E402
from leads.models import FollowUp, Opportunity, ScoringModel, WebhookSubscription  # noqa: E402

LANGUAGES = {"en": "en", "ja": "ja", "zh-CN": "zh-hans"}
# A word of the navigation in each language: the page was rendered in it, not only labelled.
NAV_WORD = {"en": ">Leads</a>", "ja": ">リード</a>", "zh-hans": ">线索</a>"}

manager = get_user_model().objects.get(username="manager")
event = Event.objects.filter(attendees__follow_up__isnull=False).distinct().order_by("pk").first()
follow_up = FollowUp.objects.filter(attendee__event=event).order_by("pk").first()
exchange = Exchange.objects.filter(allocations__isnull=False, presences__isnull=False).distinct().order_by("pk").first()
if not WebhookSubscription.objects.exists():
    WebhookSubscription.objects.create(
        owner=manager, name="smoke", target_url="https://hooks.example.com/intel", secret="smoke-only"
    )
if not Activity.objects.exists():
    Activity.objects.create(
        exchange=exchange, rep=manager, kind=ActivityKind.CALL, occurred_at=timezone.now(), summary="Intro call"
    )
if not Opportunity.objects.exists():
    Opportunity.objects.create(exchange=exchange, name="Smoke deal", stage="qualification", opened_at=timezone.now())
key = api_token_create(user=manager, name="smoke", access=TokenAccess.WRITE).key
# The token the endpoints read and revoke is another one than the smoke test's own.
spare = api_token_create(user=manager, name="spare", access=TokenAccess.READ).token

ids = {
    "allocation_id": Allocation.objects.filter(exchange=exchange).order_by("pk").first().pk,
    "presence_id": Presence.objects.filter(exchange=exchange).order_by("pk").first().pk,
    "import_id": getattr(AttendeeImport.objects.filter(event=event).order_by("pk").first(), "pk", 0),
    "attendee_id": Attendee.objects.filter(event=event).order_by("pk").first().pk,
    "follow_up_id": follow_up.pk,
    "company_id": 0,  # the set-aside company's "forget" answers POST only
}


def routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def fill(route: str) -> str:
    slug = exchange.slug if route.startswith("exchanges/") else event.slug
    path = route.replace("<slug:slug>", slug)
    return "/" + re.sub(r"<int:(\w+)>", lambda match: str(ids[match.group(1)]), path)


def html_lang(body: str) -> str:
    found = re.search(r'<html lang="([^"]+)">', body)
    return found.group(1) if found else ""


pages = {}
page_languages = {}
nav_words = {}
for accept, code in LANGUAGES.items():
    anonymous = Client(HTTP_ACCEPT_LANGUAGE=accept)
    response = anonymous.get("/login/")
    statuses = {"anonymous /login/": response.status_code}
    seen = {html_lang(response.content.decode())}
    client = Client(HTTP_ACCEPT_LANGUAGE=accept)
    client.force_login(manager)
    shown = set()
    for route in routes(crm.page_urls.urlpatterns):
        response = client.get(fill(route))
        statuses[route] = response.status_code
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            body = response.content.decode()
            seen.add(html_lang(body))
            shown.add(NAV_WORD[code] in body)
    pages[accept] = statuses
    page_languages[accept] = sorted(seen)
    nav_words[accept] = sorted(shown)

api = APIClient()
api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
schema = api.get("/intel-api/schema/", {"format": "json"})
paths = json.loads(schema.content)["paths"] if schema.status_code == 200 else {}
identifiers = {
    "activities": Activity.objects.order_by("pk").first(),
    "allocations": Allocation.objects.order_by("pk").first(),
    "attendees": Attendee.objects.order_by("pk").first(),
    "contacts": Contact.objects.order_by("pk").first(),
    "events": event,
    "exchanges": exchange,
    "follow-ups": follow_up,
    "jurisdictions": Jurisdiction.objects.order_by("code").first(),
    "opportunities": Opportunity.objects.order_by("pk").first(),
    "presences": Presence.objects.order_by("pk").first(),
    "regulations": Regulation.objects.order_by("pk").first(),
    "scoring-models": ScoringModel.objects.order_by("pk").first(),
    "signals": Signal.objects.order_by("pk").first(),
    "tokens": ApiToken.objects.get(pk=spare.pk),
    "vendors": CloudVendor.objects.order_by("slug").first(),
    "webhooks": WebhookSubscription.objects.order_by("pk").first(),
}


def api_path(path: str) -> str:
    if "{" not in path:
        return path
    resource = path.removeprefix("/intel-api/v1/").removeprefix("technographics/").split("/")[0]
    record = identifiers[resource]
    for name in ("id", "slug", "code"):
        path = path.replace("{" + name + "}", str(getattr(record, "pk" if name == "id" else name, "")))
    return path


endpoints = {}
explained = {}
for accept in LANGUAGES:
    statuses = {}
    for path, operations in sorted(paths.items()):
        # Each endpoint once: read what can be read; an action is posted empty and must refuse it clearly.
        if "get" in operations:
            response = api.get(api_path(path), HTTP_ACCEPT_LANGUAGE=accept)
            statuses[f"GET {path}"] = response.status_code
        else:
            response = api.post(api_path(path), {}, format="json", HTTP_ACCEPT_LANGUAGE=accept)
            statuses[f"POST {path}"] = response.status_code
        if path.endswith("/explain/"):
            explained[accept] = response.get("Content-Language", "")
    endpoints[accept] = statuses

print(
    json.dumps(
        {
            "installed_from": "wheel" if "site-packages" in crm.__file__ else crm.__file__,
            "schema": schema.status_code,
            "pages": pages,
            "page_languages": page_languages,
            "nav_words": nav_words,
            "api": endpoints,
            "explain_language": explained,
        },
        sort_keys=True,
    )
)
