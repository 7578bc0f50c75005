"""The built wheel is the whole product: installed into a fresh virtual environment (no download: the
dependencies are the ones this test environment already has), it migrates a host project that uses the
documented settings only, and serves every page and every API endpoint in English, Japanese and
Simplified Chinese."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "ja", "zh-CN")
# This environment's pip, never reaching an index: everything the wheel needs is already installed.
PIP = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]

# Every page, opened once by a manager (GET) on the demo data: the forms' POST-only endpoints answer
# 405, the signed-in manager asking for the login page is sent on (302), the CSV downloads answer 200.
PAGES = {
    "anonymous /login/": 200,
    "login/": 302,
    "logout/": 405,
    "preferences/": 200,
    "language/": 405,
    "events/": 200,
    "events/new/": 200,
    "events/<slug:slug>/": 200,
    "events/<slug:slug>/upload/": 200,
    "events/<slug:slug>/uploads/<int:import_id>/rejected-rows.csv": 200,
    "events/<slug:slug>/review/": 200,
    "events/<slug:slug>/review/<int:attendee_id>/": 405,
    "events/<slug:slug>/review/company/": 405,
    "events/<slug:slug>/review/set-aside/<int:company_id>/forget/": 405,
    "events/<slug:slug>/upload/progress/": 200,
    "events/<slug:slug>/cadence/": 200,
    "pipeline/": 200,
    "pipeline/forecast/": 200,
    "pipeline/model/": 200,
    "pipeline/win-rates/": 200,
    "signals/": 200,
    "signals/new/": 200,
    "radar/": 200,
    "data-coverage/": 200,
    "": 200,
    "leads/": 200,
    "leads/defend/": 200,
    "leads/export.csv": 200,
    "leads/export-salesforce.csv": 200,
    "exchanges/<slug:slug>/": 200,
    "exchanges/<slug:slug>/activities/": 405,
    "exchanges/<slug:slug>/size/": 405,
    "exchanges/<slug:slug>/allocations/": 405,
    "exchanges/<slug:slug>/allocations/<int:allocation_id>/": 405,
    "exchanges/<slug:slug>/presences/": 405,
    "exchanges/<slug:slug>/presences/<int:presence_id>/": 405,
    "exchanges/<slug:slug>/contacts/": 405,
    "exchanges/<slug:slug>/merge/": 405,
    "exchanges/<slug:slug>/footprint/check/": 405,
    "events/<slug:slug>/edit/": 200,
    "events/<slug:slug>/follow-ups/": 200,
    "events/<slug:slug>/follow-ups/assign/": 405,
    "events/<slug:slug>/follow-ups/<int:follow_up_id>/status/": 405,
    "events/<slug:slug>/follow-ups/export.csv": 200,
    "team/": 200,
    "scoring-model/": 200,
}

# Every API endpoint once with a manager's read-write token: what can be read is read (200); an action
# without a GET is posted an empty JSON body: those that need fields refuse it (400), the uploads want a
# file (415), activating a model or revoking a token needs nothing more (200), a footprint check is
# queued (202). Never a 500.
API = {
    "GET /intel-api/v1/events/{slug}/cadence/": 200,
    "GET /intel-api/v1/opportunities/": 200,
    "GET /intel-api/v1/opportunities/{id}/": 200,
    "GET /intel-api/v1/activities/": 200,
    "GET /intel-api/v1/activities/{id}/": 200,
    "GET /intel-api/v1/allocations/": 200,
    "GET /intel-api/v1/allocations/{id}/": 200,
    "GET /intel-api/v1/attendees/": 200,
    "GET /intel-api/v1/attendees/{id}/": 200,
    "GET /intel-api/v1/contacts/": 200,
    "GET /intel-api/v1/contacts/{id}/": 200,
    "GET /intel-api/v1/events/": 200,
    "GET /intel-api/v1/events/{slug}/": 200,
    "GET /intel-api/v1/exchanges/": 200,
    "GET /intel-api/v1/exchanges/{slug}/": 200,
    "GET /intel-api/v1/exchanges/{slug}/explain/": 200,
    "GET /intel-api/v1/follow-ups/": 200,
    "GET /intel-api/v1/follow-ups/{id}/": 200,
    "GET /intel-api/v1/jurisdictions/": 200,
    "GET /intel-api/v1/jurisdictions/{code}/": 200,
    "GET /intel-api/v1/leads/": 200,
    "GET /intel-api/v1/presences/": 200,
    "GET /intel-api/v1/presences/{id}/": 200,
    "GET /intel-api/v1/regulations/": 200,
    "GET /intel-api/v1/regulations/{id}/": 200,
    "GET /intel-api/v1/score-changes/": 200,
    "GET /intel-api/v1/scoring-models/": 200,
    "GET /intel-api/v1/scoring-models/{id}/": 200,
    "GET /intel-api/v1/signals/": 200,
    "GET /intel-api/v1/signals/{id}/": 200,
    "GET /intel-api/v1/technographics/exchanges/{slug}/footprint/": 200,
    "GET /intel-api/v1/tokens/": 200,
    "GET /intel-api/v1/tokens/{id}/": 200,
    "GET /intel-api/v1/vendors/": 200,
    "GET /intel-api/v1/vendors/{slug}/": 200,
    "GET /intel-api/v1/webhooks/": 200,
    "GET /intel-api/v1/webhooks/{id}/": 200,
    "GET /intel-api/v1/webhooks/{id}/deliveries/": 200,
    "POST /intel-api/v1/attendees/{id}/match/": 400,
    "POST /intel-api/v1/events/{slug}/attendees/import/": 415,
    "POST /intel-api/v1/events/{slug}/attendees/preview/": 415,
    "POST /intel-api/v1/follow-ups/{id}/assign/": 400,
    "POST /intel-api/v1/follow-ups/{id}/status/": 400,
    "POST /intel-api/v1/scoring-models/{id}/activate/": 200,
    "POST /intel-api/v1/signals/preview/": 400,
    "POST /intel-api/v1/technographics/exchanges/{slug}/footprint/detect/": 202,
    "POST /intel-api/v1/tokens/{id}/revoke/": 200,
}


def build_wheel(tmp_path: Path) -> Path:
    """From a clean copy of the sources, so no stale build/ folder can slip files into the wheel."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("crm", "intel", "leads"):
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            *PIP,
            "wheel",
            "--no-index",
            str(source),
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(tmp_path / "dist"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return next((tmp_path / "dist").glob("exchange_intel-*.whl"))


def fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed, seeing this environment's dependencies
    through a .pth line (so nothing is downloaded) but not its editable install of the sources."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    subprocess.run(
        [*PIP, "--python", str(python), "install", "--no-index", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    Path(site_packages, "test_environment_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("wheel")
    python = fresh_environment(tmp_path, build_wheel(tmp_path))
    # The host project alone, away from the repository, so only the installed wheel provides the apps.
    host = tmp_path / "host_project"
    shutil.copytree(HERE / "host", host / "host", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(HERE / "wheel_smoke.py", host / "wheel_smoke.py")
    environment = {
        key: value for key, value in os.environ.items() if key not in {"PYTHONPATH", "DATABASE_URL", "REDIS_URL"}
    }
    environment["DJANGO_SETTINGS_MODULE"] = "host.settings"
    result = subprocess.run(
        [str(python), "wheel_smoke.py"],
        cwd=host,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    Path(os.environ.get("WHEEL_SMOKE_OUT", tmp_path / "smoke.json")).write_text(result.stdout)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_host_runs_the_installed_wheel_not_the_sources(smoke):
    assert (smoke["installed_from"], smoke["schema"]) == ("wheel", 200)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_answers_with_its_status_in_each_language(smoke, language):
    assert smoke["pages"][language] == PAGES


@pytest.mark.parametrize(("language", "code"), [("en", "en"), ("ja", "ja"), ("zh-CN", "zh-hans")])
def test_every_page_is_in_the_language_the_browser_asks_for(smoke, language, code):
    assert (smoke["page_languages"][language], smoke["nav_words"][language]) == ([code], [True])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_api_endpoint_answers_with_its_status_in_each_language(smoke, language):
    assert smoke["api"][language] == API


def test_the_explain_api_answers_in_the_language_asked_for(smoke):
    assert smoke["explain_language"] == {"en": "en", "ja": "ja", "zh-CN": "zh-hans"}
