"""Shared test setup: the synthesized app of every shipped stage, built once per session; the
speed-ups every test that talks to moto relies on; garbage collection that does not rescan
what lives for the whole run; and the longest test files first."""

import atexit
import functools
import gc
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


def _share_boto3_clients() -> None:
    """``boto3.client`` builds a new session (when moto replaced the default one) and a new
    client on every call: 7-20 ms, and the handler tests asked for some 1,100 clients. A
    client holds no AWS state (moto's backends do) and every call goes through moto's stubber
    while a mock is active, so one client per arguments and AWS environment (region,
    credentials, endpoint, config files, all ``AWS_*`` variables) serves the whole run; a test
    that changes any of them gets a client of its own. Stubbers are used in ``with`` blocks, so
    none outlives its test."""
    import threading

    import boto3

    create = boto3.client
    clients: dict[Any, Any] = {}
    lock = threading.Lock()

    def shared_client(*args: Any, **kwargs: Any) -> Any:
        environment = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
        key = (args, tuple(sorted(kwargs.items())), environment)
        try:
            hash(key)
        except TypeError:  # a botocore Config, say: not worth keeping
            return create(*args, **kwargs)
        with lock:
            if key not in clients:
                clients[key] = create(*args, **kwargs)
            return clients[key]

    boto3.client = shared_client


def _spare_moto_repeated_work() -> None:
    """moto lists a response class's methods with ``inspect.getmembers`` on every request
    (a class's methods do not change), and generates a 2048-bit RSA key, which only
    asymmetric keys use, for every KMS key it creates, symmetric ones included (every
    encrypted EBS volume's default key): some 60 ms each. Symmetric keys share one."""
    import moto.core.responses
    import moto.kms.models

    moto.core.responses.method_names_from_class = functools.cache(  # type: ignore[assignment]
        moto.core.responses.method_names_from_class
    )
    generate = moto.kms.models.generate_private_key
    symmetric = functools.cache(lambda: generate("SYMMETRIC_DEFAULT"))

    def private_key(key_spec: str) -> Any:
        return symmetric() if key_spec == "SYMMETRIC_DEFAULT" else generate(key_spec)

    moto.kms.models.generate_private_key = private_key


gc.set_threshold(50_000, 50, 1000)  # see pytest_collection_finish
# At exit the interpreter collects garbage again and again while it clears modules: over a
# test process's heap that took a second. pytest has run its last collection by then (the
# unraisable-exception check, at unconfigure); what is left is freed without the scans.
atexit.register(gc.freeze)


def pytest_configure(config: pytest.Config) -> None:
    """The speed-ups above, in every process that runs tests; xdist's controller only hands
    out work, and the sooner it starts the workers the better."""
    if getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput"):
        return
    _share_botocore_loaders()
    _share_botocore_client_models()
    _share_boto3_clients()
    _load_only_default_moto_images()
    _spare_moto_repeated_work()


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, SynthesizedStage]]:
    yield {stage: synthesize(stage, tmp_path_factory.mktemp(f"cdk-{stage}")) for stage in STAGES}


@pytest.fixture(params=STAGES)
def stage(
    request: pytest.FixtureRequest, synthesized: dict[str, SynthesizedStage]
) -> SynthesizedStage:
    return synthesized[request.param]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Less garbage collection in each test process: moto's backends, botocore's responses
    and jsii's round trips allocate millions of short-lived containers, and Python's default
    thresholds made the cyclic collector scan every imported module's objects again and again
    (about a quarter of the handler tests' CPU on the project's machine). What is loaded by
    now (modules, service models, the collected tests) lives until the run ends, so it is
    moved out of the collector's sight, and young objects are collected far less often
    (from the conftest's import on). Nothing a test asserts depends on when cycles are
    freed."""
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """After each test file, once its module fixtures are gone: its garbage is collected
    (finalizers run, and an exception one raises is reported, as pytest's own last
    collection would), and what survives is frozen like the modules, so no later
    collection, pytest's last one included, scans it again."""
    if nextitem is None or nextitem.path != item.path:
        gc.collect()
        gc.freeze()


# Seconds each test file took in earlier runs, in pytest's cache (.pytest_cache).
FILE_SECONDS = "research-catalog/seconds-per-test-file"
_seconds_this_run: dict[str, float] = {}


def _test_file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files that took longest last time run first. A worker takes a whole file
    (--dist loadfile), and in pytest's order a 15-second file came last: one core worked
    13 s alone while the other waited. Within a file the order stays; a fresh clone, with
    no earlier run, keeps pytest's order."""
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider
    if cache is None:
        return
    seconds: dict[str, float] = cache.get(FILE_SECONDS, {})
    items.sort(key=lambda item: -seconds.get(_test_file(item.nodeid), 0.0))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    file = _test_file(report.nodeid)
    _seconds_this_run[file] = _seconds_this_run.get(file, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    # The controller (or a run without workers) sees every worker's reports.
    config = session.config
    cache = getattr(config, "cache", None)
    if hasattr(config, "workerinput") or not _seconds_this_run or cache is None:
        return
    cache.set(FILE_SECONDS, {**cache.get(FILE_SECONDS, {}), **_seconds_this_run})
