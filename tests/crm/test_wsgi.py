"""The server's entry point: what loading the application made is kept out of the collector's full
passes, so no request of a worker pays for walking it (35-80 ms a pass on the CI machine)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys
import crm.wsgi
walked = {id(o) for o in gc.get_objects()}
loaded = [crm.wsgi.application, sys.modules["django.conf"].settings._wrapped, crm.wsgi.__dict__]
print(sum(id(o) in walked for o in loaded), gc.get_freeze_count() > 0)
"""


def test_the_application_a_worker_loads_is_not_walked_by_the_collector():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.split() == ["0", "True"]
