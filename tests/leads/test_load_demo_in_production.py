"""The product started as in production (DEBUG off, its own server process) after load_demo: the demo
password the README and the old demo published logs nobody in; only the random one printed once does."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from crm import demo

ROOT = Path(__file__).resolve().parents[2]
DEMO_USERNAMES = ["manager", "rep.japan", "rep.singapore", "rep.west"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def production(tmp_path):
    """migrate, load_demo twice (without then with users), collectstatic, then gunicorn: DEBUG=false."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="production-test-" + "k" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",  # no TLS proxy in front of the test server
    )

    def manage(*args) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    manage("migrate", "--no-input", "-v", "0")
    without_users = manage("load_demo")
    with_users = manage("load_demo", "--with-users")
    manage("collectstatic", "--no-input", "-v", "0")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "crm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/login/", timeout=10)
            break
        except requests.RequestException:
            time.sleep(0.2)
    yield {"base": base, "without_users": without_users, "with_users": with_users}
    server.terminate()
    server.wait(timeout=10)


def log_in(base: str, username: str, password: str) -> requests.Response:
    """The login form as a browser submits it (its CSRF cookie is Secure, so it is sent back by hand)."""
    page = requests.get(f"{base}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return requests.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Cookie": f"csrftoken={page.cookies['csrftoken']}"},
        allow_redirects=False,
        timeout=10,
    )


def test_with_debug_off_no_published_password_logs_in_after_load_demo(production):
    base = production["base"]
    printed = dict(re.findall(r"^    (\S+) / (\S+)$", production["with_users"], flags=re.MULTILINE))

    refused = {username: log_in(base, username, demo.DEMO_PASSWORD) for username in DEMO_USERNAMES}
    signed_in = log_in(base, "manager", printed["manager"])

    assert "  demo team: no users created (DEBUG is off; --with-users creates them)" in production["without_users"]
    assert sorted(printed) == DEMO_USERNAMES
    assert demo.DEMO_PASSWORD not in production["with_users"]
    for username, response in refused.items():
        assert (username, response.status_code, "sessionid" in response.cookies) == (username, 200, False)
    assert (signed_in.status_code, signed_in.headers["Location"], "sessionid" in signed_in.cookies) == (302, "/", True)
