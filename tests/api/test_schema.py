"""The committed OpenAPI document (openapi.yaml) is what the code generates: `make schema` refreshes it."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.api.conftest import client_for

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.yaml"


def test_the_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"

    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")

    assert generated.read_text(encoding="utf-8") == COMMITTED.read_text(encoding="utf-8"), (
        "openapi.yaml drifted from the code: run `make schema` and commit it."
    )


@pytest.mark.django_db
def test_the_docs_page_loads_swagger_ui_from_the_product_itself(cast):
    response = client_for(cast["japan"]).get("/api/docs/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # every script and stylesheet comes from the product's own static files, none from another host
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and [source for source in sources if "://" in source or source.startswith("//")] == []
