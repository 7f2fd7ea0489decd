"""schemathesis against the published OpenAPI spec, in process: no 5xx, responses match the schema."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hutong.config import Config, DataSection, ServerSection
from hutong.pipeline import Engine
from hutong.service.apikeys import ApiKeys
from hutong.service.pictures import close_readers
from hutong.web.app import create_app

# collected once at import: schemathesis needs the app to read its schema
_DATA = Path(tempfile.mkdtemp(prefix="hutong-schemathesis-"))
_CONFIG = Config(data=DataSection(dir=str(_DATA)), server=ServerSection(max_message_chars=2000, max_batch=5))
KEY = ApiKeys(_DATA).create("schemathesis")  # with a real key the checks reach past authentication
APP = create_app(_CONFIG, engine=Engine.from_config(_CONFIG))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _readers_stopped() -> Iterator[None]:
    """The picture readers the image route started in this process stop with the module (no lifespan runs)."""
    yield
    close_readers(_CONFIG)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any) -> None:  # a schemathesis.Case
    case.call_and_validate(
        headers={"Authorization": f"Bearer {KEY}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
