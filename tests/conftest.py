"""Shared test setup: the synthesized app of every shipped stage, built once per session, and
the speed-ups every test that talks to moto relies on."""

import functools
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.synth import STAGES, SynthesizedStage, synthesize

REPO_ROOT = Path(__file__).resolve().parent.parent


def _run_as_make_does() -> None:
    """What the Makefile sets, for runs of ``.venv/bin/pytest`` outside ``make``: the pinned
    Node.js (package-lock.json) first on PATH, for jsii; bytecode cached in .cache/pycache,
    never beside the sources (Lambda handler directories are zipped as they are)."""
    node_bin = REPO_ROOT / "node_modules" / ".bin"
    if (node_bin / "node").exists() and str(node_bin) not in os.environ["PATH"].split(os.pathsep):
        os.environ["PATH"] = f"{node_bin}{os.pathsep}{os.environ['PATH']}"
    if sys.pycache_prefix is None:
        sys.pycache_prefix = str(REPO_ROOT / ".cache" / "pycache")
        os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix
        sys.dont_write_bytecode = False
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


_run_as_make_does()
# CDK's built-in CloudFormation validation costs ~2.5 s per synth and does not see product
# templates; cfn-lint (test_cfn_lint.py) covers every template instead.
os.environ.setdefault("CDK_VALIDATION", "false")


def _share_botocore_loaders() -> None:
    """moto replaces boto3's default session on every start, and each new session re-reads and
    re-parses the JSON service models (EC2's alone is several MB): most of a handler test's
    time. Service models are read-only data, so one loader per search path serves every session
    of the test run."""
    import botocore.session

    botocore.session.create_loader = functools.lru_cache(maxsize=None)(  # type: ignore[assignment]
        botocore.session.create_loader
    )


def _load_only_default_moto_images() -> None:
    """Every new moto EC2 backend loads thousands of region-specific AMIs unless
    ``MOTO_AMIS_PATH`` names a file; the tests launch only from moto's default images. Set
    before moto's EC2 models are imported, which read the variable at import."""
    from moto.utilities.utils import load_resource

    path = Path(tempfile.gettempdir()) / "research-catalog-moto-default-amis.json"
    # Written whole, then renamed: test runs in other checkouts may read it meanwhile.
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as partial:
        json.dump(load_resource("ec2/resources/amis.json"), partial)
    os.replace(partial.name, path)
    os.environ.setdefault("MOTO_AMIS_PATH", str(path))


def _share_botocore_client_models() -> None:
    """Every new client builds its service model again, then one method per operation with an
    operation model for each docstring, and scans every operation for endpoint discovery (EC2
    has over 700): 10-20 ms per client, and the handler tests create thousands. Service models
    are read-only and a method only forwards its operation name to ``_make_api_call`` on the
    client it is called on, so one of each per service and API version serves every client; each
    client class still gets its own copy of the mapping, which the ``creating-client-class``
    handlers may extend."""
    import botocore.client

    creator = botocore.client.ClientCreator
    load_service_model, create_methods = creator._load_service_model, creator._create_methods
    models: dict[tuple[str, str | None], Any] = {}
    methods: dict[tuple[str, str], dict[str, Any]] = {}

    def shared_model(self: Any, service_name: str, api_version: str | None = None) -> Any:
        key = (service_name, api_version)
        if key not in models:
            models[key] = load_service_model(self, service_name, api_version)
        return models[key]

    def shared_methods(self: Any, service_model: Any) -> dict[str, Any]:
        key = (service_model.service_name, service_model.api_version)
        if key not in methods:
            methods[key] = create_methods(self, service_model)
        return dict(methods[key])

    creator._load_service_model = shared_model  # type: ignore[method-assign]
    creator._create_methods = shared_methods  # type: ignore[method-assign]


_share_botocore_loaders()
_share_botocore_client_models()
_load_only_default_moto_images()


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SynthesizedStage]]:
    yield {stage: synthesize(stage, tmp_path_factory.mktemp(f"cdk-{stage}")) for stage in STAGES}


@pytest.fixture(params=STAGES)
def stage(
    request: pytest.FixtureRequest, synthesized: dict[str, SynthesizedStage]
) -> SynthesizedStage:
    return synthesized[request.param]
