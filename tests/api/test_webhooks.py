"""Webhooks against a real HTTP receiver on loopback: signed, retried with backoff, never lost."""

import datetime
import http.server
import json
import ssl
import threading

import pytest
from django.db import transaction
from django.utils import timezone

from crm.celery import app as celery_app
from leads.models import WebhookDelivery, WebhookSubscription
from leads.webhooks.choices import DeliveryStatus
from leads.webhooks.services import webhook_deliver, webhook_event_record, webhooks_relay
from leads.webhooks.signing import verify
from leads.webhooks.targets import TargetRefused, check_target
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

SECRET = "a-long-enough-signing-secret"


class Receiver:
    """An HTTP server on 127.0.0.1 that answers `failures` times with 503, then 200, and keeps every request.
    `during_request` runs while a request is held (before the answer); `tls` is an ssl.SSLContext to serve https."""

    def __init__(self, failures: int = 0, during_request=None, tls: ssl.SSLContext | None = None):
        self.failures = failures
        self.requests: list[tuple[dict, bytes]] = []
        self.server_names: list[str | None] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                if during_request is not None:
                    during_request()
                failing = len(receiver.requests) <= receiver.failures
                self.send_response(503 if failing else 200)
                self.end_headers()
                self.wfile.write(b"down" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/hook"
        if tls is not None:
            tls.sni_callback = lambda _socket, server_name, _context: receiver.server_names.append(server_name)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 10
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    # The first send runs in-process after commit (as without a broker); retries go through the relay.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def subscribe(owner, url, events=("follow_up.assigned",)):
    return WebhookSubscription.objects.create(
        owner=owner, name="crm", target_url=url, secret=SECRET, events=list(events)
    )


def test_a_follow_up_assignment_is_delivered_signed_to_a_subscriber_who_may_see_it(
    world, cast, loopback_allowed, django_capture_on_commit_callbacks
):
    with Receiver() as receiver, django_capture_on_commit_callbacks(execute=True):
        subscribe(cast["japan"], receiver.url)
        follow_up_id = world["bitflyer"]["follow-ups"]

        response = client_for(cast["manager"]).post(
            f"/api/v1/follow-ups/{follow_up_id}/assign/", {"assignee": "rep.japan"}
        )

    assert response.status_code == 200
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Webhook-Event"] == "follow_up.assigned"
    assert headers["X-Webhook-Id"] == str(delivery.delivery_id)
    assert verify(
        secret=SECRET,
        timestamp=int(headers["X-Webhook-Timestamp"]),
        body=body,
        signature=headers["X-Webhook-Signature"],
    )
    assert json.loads(body)["data"] == {
        "follow_up": follow_up_id,
        "assignee": "rep.japan",
        "full_name": "Attendee of bitFlyer",
        "exchange": "bitflyer",
        "due_at": "2025-08-27T10:00:00+00:00",
    }
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)


def test_a_subscriber_who_may_not_see_the_exchange_gets_nothing(world, cast, loopback_allowed):
    with Receiver() as receiver:
        subscribe(cast["singapore"], receiver.url)

        client_for(cast["manager"]).post(
            f"/api/v1/follow-ups/{world['bitflyer']['follow-ups']}/assign/", {"assignee": "rep.japan"}
        )

    assert receiver.requests == []
    assert WebhookDelivery.objects.count() == 0


def test_a_receiver_that_fails_then_recovers_gets_the_event_once_delivered_with_the_same_id(
    cast, loopback_allowed, django_capture_on_commit_callbacks
):
    with Receiver(failures=2) as receiver:
        subscription = subscribe(cast["manager"], receiver.url, events=["signal.recorded"])
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            webhook_event_record(event="signal.recorded", payload={"signal": 7})
        delivery = WebhookDelivery.objects.get()
        after_first = (delivery.status, delivery.attempts, delivery.last_status_code)
        delivery.refresh_from_db()
        first_retry_due = delivery.next_attempt_at - timezone.now()

        webhooks_relay(now=timezone.now())  # not due yet: nothing is sent
        webhooks_relay(now=timezone.now() + datetime.timedelta(seconds=11))
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhooks_relay()

    delivery.refresh_from_db()
    ids = {headers["X-Webhook-Id"] for headers, _ in receiver.requests}
    assert after_first == (DeliveryStatus.PENDING, 1, 503)
    assert datetime.timedelta(seconds=9) < first_retry_due <= datetime.timedelta(seconds=10)
    assert len(receiver.requests) == 3
    assert ids == {str(delivery.delivery_id)}
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
        "",
    )
    assert subscription.deliveries.count() == 1
    for headers, body in receiver.requests:
        assert verify(
            secret=SECRET,
            timestamp=int(headers["X-Webhook-Timestamp"]),
            body=body,
            signature=headers["X-Webhook-Signature"],
        )


def test_an_event_recorded_while_the_receiver_is_down_waits_in_the_outbox(
    cast, loopback_allowed, django_capture_on_commit_callbacks
):
    with Receiver() as receiver:
        url = receiver.url  # the port is closed once the receiver stops
    subscribe(cast["manager"], url, events=["signal.recorded"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        webhook_event_record(event="signal.recorded", payload={"signal": 8})
    delivery = WebhookDelivery.objects.get()

    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.last_error.startswith("ConnectionError")
    assert webhook_deliver(delivery_id=delivery.pk) is None  # not due again yet: nothing sent twice


def test_a_loopback_or_private_target_is_refused_unless_allowed(cast, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    response = client_for(cast["manager"]).post(
        "/api/v1/webhooks/",
        {"name": "crm", "target_url": "http://127.0.0.1:9/hook", "events": ["signal.recorded"]},
    )

    assert response.status_code == 400
    assert response.json() == {
        "target_url": [
            "127.0.0.1 resolves to 127.0.0.1, a private or loopback address; deliveries go to public addresses "
            "only (WEBHOOK_ALLOW_PRIVATE_TARGETS allows others)."
        ]
    }
    assert WebhookSubscription.objects.count() == 0
    with pytest.raises(TargetRefused):
        check_target("http://10.1.2.3/hook")


def test_creating_a_subscription_shows_its_signing_secret_once(cast, loopback_allowed):
    client = client_for(cast["manager"])

    created = client.post(
        "/api/v1/webhooks/", {"name": "crm", "target_url": "http://127.0.0.1:9/hook", "events": ["signal.recorded"]}
    )
    listed = client.get("/api/v1/webhooks/").json()["results"]

    assert created.status_code == 201
    assert created.json()["signing_secret"] == WebhookSubscription.objects.get().secret
    assert "signing_secret" not in listed[0] and "secret" not in listed[0]
