"""Settings defaults: what a fresh machine gets with no environment, and what production requires."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'home': settings.CRM_HOME_VENDOR, 'debug': settings.DEBUG, "
    "'key_length': len(settings.SECRET_KEY), 'hosts': settings.ALLOWED_HOSTS, "
    "'cache': settings.CACHES['default']['BACKEND']}))"
)
VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "CRM_HOME_VENDOR",
    "ALLOWED_HOSTS",
)


def settings_with(**variables) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="crm.settings", CRM_IGNORE_DOTENV="1", **variables)
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)


def test_with_no_environment_the_product_runs_embedded():
    result = settings_with()

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "engine": "django.db.backends.sqlite3",
        "name": str(ROOT / "db.sqlite3"),
        "eager": True,
        "broker": "memory://localhost/",
        "home": "tencent-cloud",
        "debug": True,
        "key_length": 67,
        "hosts": ["localhost", "127.0.0.1", "[::1]"],
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }


def test_with_database_and_redis_urls_the_product_uses_them_and_queues_tasks():
    result = settings_with(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/exchange_intel",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CRM_HOME_VENDOR="aws",
    )

    probe = json.loads(result.stdout)
    assert (probe["engine"], probe["name"]) == ("django.db.backends.postgresql", "exchange_intel")
    assert (probe["eager"], probe["broker"], probe["home"]) == (False, "redis://127.0.0.1:6379/0", "aws")
    assert probe["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_production_without_a_secret_key_refuses_to_start():
    result = settings_with(DEBUG="false", ALLOWED_HOSTS="intel.example.com")

    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_with_a_secret_key_starts_with_only_the_allowed_hosts():
    result = settings_with(DEBUG="false", SECRET_KEY="x" * 60, ALLOWED_HOSTS="intel.example.com")

    probe = json.loads(result.stdout)
    assert (probe["debug"], probe["hosts"], probe["key_length"]) == (False, ["intel.example.com"], 60)


def test_a_misspelt_home_vendor_fails_the_system_check_naming_the_valid_slugs(settings, db):
    from crm.checks import home_vendor_check

    settings.CRM_HOME_VENDOR = "tencent"

    errors = home_vendor_check()

    assert [(e.id, e.msg) for e in errors] == [
        ("crm.E001", "CRM_HOME_VENDOR is 'tencent', which is not a cloud vendor of the account book.")
    ]
    assert errors[0].hint == (
        "Set it to the slug of the vendor your team sells for, one of: alibaba-cloud, aws, china-mobile-ecloud, "
        "china-telecom-cloud, google-cloud, huawei-cloud, microsoft-azure, oracle-cloud, self-hosted, tencent-cloud."
    )
    settings.CRM_HOME_VENDOR = "huawei-cloud"
    assert home_vendor_check() == []
