"""Webhook targets are resolved once, within a bounded time, every address checked, and deliveries go to
the checked address (with the original Host, SNI and certificate name); no row lock or transaction is held
while a delivery is sent. Names resolve through a fake resolver: no real DNS."""

import datetime
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from crm.celery import app as celery_app
from leads.models import WebhookDelivery
from leads.webhooks import targets
from leads.webhooks.choices import DeliveryStatus
from leads.webhooks.services import webhook_deliver
from leads.webhooks.signing import verify
from tests.api.test_webhooks import SECRET, Receiver, subscribe

HOST = "hooks.example.test"


class FakeResolver:
    """Answers fixed addresses for HOST and keeps every question; `hold` makes it hang until released."""

    def __init__(self, addresses: list[str], *, hold: threading.Event | None = None):
        self.addresses = addresses
        self.hold = hold
        self.questions: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.questions.append((host, port))
        if self.hold is not None:
            self.hold.wait(10)
        return list(self.addresses)


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 10
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def fake_resolver(monkeypatch):
    def install(addresses: list[str], *, hold: threading.Event | None = None) -> FakeResolver:
        resolver = FakeResolver(addresses, hold=hold)
        monkeypatch.setattr(targets, "resolver", resolver)
        return resolver

    return install


def due_delivery(subscription) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        subscription=subscription, event="signal.recorded", payload={"signal": 9}, next_attempt_at=timezone.now()
    )


def certificate_for(name: str, directory) -> tuple[str, str]:
    """A self-signed certificate for `name` (its own CA): (certificate path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(certificate_path), str(key_path)


def server_context(certificate_path: str, key_path: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_path, key_path)
    return context


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("addresses", "refused_address"),
    [(["127.0.0.1"], "127.0.0.1"), (["93.184.215.14", "10.0.0.5"], "10.0.0.5")],
    ids=["private-only", "public-then-private"],
)
def test_a_name_resolving_to_a_private_address_at_send_time_is_refused_and_nothing_is_sent(
    cast, settings, fake_resolver, addresses, refused_address
):
    # given a subscription whose name now resolves (partly) to a private address, private targets not allowed
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 10
    with Receiver() as receiver:
        delivery = due_delivery(subscribe(cast["manager"], f"http://{HOST}:{receiver.port}/hook"))
        resolver = fake_resolver(addresses)

        # when it is sent
        webhook_deliver(delivery_id=delivery.pk)

    # then nothing reached the receiver, the refusal is recorded, and it is tried again later
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert resolver.questions == [(HOST, receiver.port)]
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.PENDING,
        1,
        None,
        f"{HOST} resolves to {refused_address}, a private or loopback address; deliveries go to public "
        "addresses only (WEBHOOK_ALLOW_PRIVATE_TARGETS allows others).",
    )
    assert delivery.delivered_at is None


@pytest.mark.django_db
def test_a_delivery_goes_to_the_checked_address_with_the_original_host_header(cast, loopback_allowed, fake_resolver):
    # given a name that only the product's resolver knows (the system resolver cannot find it)
    with Receiver() as receiver:
        delivery = due_delivery(subscribe(cast["manager"], f"http://{HOST}:{receiver.port}/hook?source=crm"))
        resolver = fake_resolver(["127.0.0.1"])

        # when it is sent
        webhook_deliver(delivery_id=delivery.pk)

    # then the name was resolved once and the request reached the checked address, addressed to the name
    delivery.refresh_from_db()
    assert resolver.questions == [(HOST, receiver.port)]
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert headers["Host"] == f"{HOST}:{receiver.port}"
    assert headers["X-Webhook-Id"] == str(delivery.delivery_id)
    assert verify(
        secret=SECRET,
        timestamp=int(headers["X-Webhook-Timestamp"]),
        body=body,
        signature=headers["X-Webhook-Signature"],
    )
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
        "",
    )


@pytest.mark.django_db
def test_an_https_delivery_goes_to_the_checked_address_with_the_name_as_sni_and_certificate_name(
    cast, loopback_allowed, fake_resolver, settings, tmp_path
):
    # given an https receiver on loopback whose certificate names HOST, trusted by the product
    certificate_path, key_path = certificate_for(HOST, tmp_path)
    settings.WEBHOOK_CA_BUNDLE = certificate_path
    with Receiver(tls=server_context(certificate_path, key_path)) as receiver:
        delivery = due_delivery(subscribe(cast["manager"], f"https://{HOST}:{receiver.port}/hook"))
        fake_resolver(["127.0.0.1"])

        # when it is sent
        webhook_deliver(delivery_id=delivery.pk)

    # then TLS spoke to the name and the certificate was accepted for it
    delivery.refresh_from_db()
    assert receiver.server_names == [HOST]
    assert [headers["Host"] for headers, _ in receiver.requests] == [f"{HOST}:{receiver.port}"]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)


@pytest.mark.django_db
def test_an_https_target_whose_certificate_names_another_host_is_not_sent_to(
    cast, loopback_allowed, fake_resolver, settings, tmp_path
):
    # given an https receiver at the checked address whose (trusted) certificate is for another name
    certificate_path, key_path = certificate_for("other.example.test", tmp_path)
    settings.WEBHOOK_CA_BUNDLE = certificate_path
    with Receiver(tls=server_context(certificate_path, key_path)) as receiver:
        delivery = due_delivery(subscribe(cast["manager"], f"https://{HOST}:{receiver.port}/hook"))
        fake_resolver(["127.0.0.1"])

        # when it is sent
        webhook_deliver(delivery_id=delivery.pk)

    # then the certificate check failed against the name: nothing was posted, the error is recorded
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.PENDING, 1, None)
    assert delivery.last_error.startswith("SSLError: ")
    assert f"""CertificateError("hostname '{HOST}' doesn't match 'other.example.test'")""" in delivery.last_error


@pytest.mark.django_db
def test_a_resolver_that_does_not_answer_in_time_is_given_up_with_a_recorded_error(
    cast, loopback_allowed, fake_resolver, settings
):
    # given a resolver that hangs, and a resolve timeout of 0.2 s
    settings.WEBHOOK_RESOLVE_TIMEOUT_SECONDS = 0.2
    hanging = threading.Event()
    with Receiver() as receiver:
        delivery = due_delivery(subscribe(cast["manager"], f"http://{HOST}:{receiver.port}/hook"))
        resolver = fake_resolver(["127.0.0.1"], hold=hanging)

        # when it is sent
        try:
            returned = webhook_deliver(delivery_id=delivery.pk)
        finally:
            hanging.set()

    # then the attempt ends with the timeout recorded, nothing sent, and a retry after the backoff
    delivery.refresh_from_db()
    assert resolver.questions == [(HOST, receiver.port)]
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error) == (
        DeliveryStatus.PENDING,
        1,
        None,
        f"Resolving '{HOST}' took longer than 0.2 s.",
    )
    assert delivery.next_attempt_at == returned.next_attempt_at
    assert returned.next_attempt_at - timezone.now() > datetime.timedelta(seconds=9)


def test_no_transaction_is_open_on_the_sending_connection_while_the_receiver_holds_the_request(
    transactional_db, cast, loopback_allowed
):
    # given a receiver that looks at the sending connection while it holds the request
    sending_connection = connections[DEFAULT_DB_ALIAS]  # this thread's (`connection` is per thread)
    seen: list[tuple[bool, bool]] = []

    def look():
        seen.append((sending_connection.in_atomic_block, sending_connection.get_autocommit()))

    with Receiver(during_request=look) as receiver:
        delivery = due_delivery(subscribe(cast["manager"], receiver.url))

        # when it is sent
        webhook_deliver(delivery_id=delivery.pk)

    # then no transaction was open during the POST, and the outcome was recorded after it
    delivery.refresh_from_db()
    assert seen == [(False, True)]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)


def test_the_delivery_row_is_not_locked_while_the_receiver_holds_the_request(
    transactional_db, postgresql, cast, loopback_allowed
):
    # given a receiver that, while holding the request, locks the delivery row from another connection
    seen: list[tuple[str, int, bool]] = []
    delivery_pk: list[int] = []

    def lock_the_row():
        try:
            with transaction.atomic():
                row = WebhookDelivery.objects.select_for_update(nowait=True).get(pk=delivery_pk[0])
                seen.append(("locked by the receiver", row.attempts, row.next_attempt_at > timezone.now()))
        except DatabaseError as error:
            seen.append((f"already locked: {error}", 0, False))
        finally:
            connection.close()  # the receiver thread's own connection

    with Receiver(during_request=lock_the_row) as receiver:
        delivery = due_delivery(subscribe(cast["manager"], receiver.url))
        delivery_pk.append(delivery.pk)

        # when it is sent
        webhook_deliver(delivery_id=delivery.pk)

    # then the row was free during the POST, already claimed (attempt counted, due only after the lease)
    delivery.refresh_from_db()
    assert seen == [("locked by the receiver", 1, True)]
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
