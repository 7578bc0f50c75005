"""The plugin contract: a separate Django project installs crm, intel and leads and serves the API."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.plugin import validate_settings

HERE = Path(__file__).resolve().parent


def test_a_host_project_installs_the_apps_migrates_and_serves_the_api():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "host.settings", "PYTHONPATH": f"{HERE}:{HERE.parents[1]}"}
    environment.pop("DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "smoke.py"], cwd=HERE, env=environment, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "anonymous=401 listed=['bybit'] schema=200 footprint=200 templates=3 "
        "tasks=leads.check_home_vendor,leads.decay_rescore,"
        "leads.deliver_webhook,leads.process_evidence_changes,leads.relay_evidence_changes,"
        "leads.relay_rescore_chunks,leads.relay_webhooks,leads.rescore_all,leads.rescore_chunk,"
        "leads.rescore_exchanges,leads.train_win_model"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "CRM_HOME_VENDOR",
            "Tencent Cloud",
            "CRM_HOME_VENDOR must be the slug of the vendor the sales team works for (e.g. 'tencent-cloud'), "
            "not 'Tencent Cloud'.",
        ),
        (
            "REST_FRAMEWORK",
            {},
            "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] must include "
            "crm.api.authentication.ApiTokenAuthentication: use crm.plugin.rest_framework_settings().",
        ),
        ("API_UPLOAD_MAX_ROWS", 0, "API_UPLOAD_MAX_ROWS must be a positive whole number, not 0."),
    ],
)
def test_a_host_with_unusable_settings_is_told_which_setting_and_why(settings, name, value, message):
    setattr(settings, name, value)

    with pytest.raises(ImproperlyConfigured) as refused:
        validate_settings()

    assert str(refused.value) == message


def test_a_host_missing_an_app_is_told_which(settings):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app != "django_filters"]

    with pytest.raises(ImproperlyConfigured) as refused:
        validate_settings()

    assert str(refused.value) == "INSTALLED_APPS lacks django_filters: add them (see README, 'Plugin')."
