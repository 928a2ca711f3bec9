"""The post-deploy smoke test (delivery/smoke.py) against botocore's Stubber: moto does not
implement Service Catalog provisioning."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from delivery import smoke
from delivery.smoke import Result, SmokeTestRun, Target
from products.definition import HTTPS_URL, SmokeTest
from tests.synth import EXAMPLE_CONFIG_DIR

PRESET = SmokeTest(
    parameters={"InstanceType": "t4g.small"},
    outputs={"ConnectionURI": HTTPS_URL, "InstanceId": r"i-[0-9a-f]{8,17}"},
)
TARGET = Target("linux-docker", "Linux Docker EC2", "v2", PRESET)
GOOD_OUTPUTS = [
    {"OutputKey": "ConnectionURI", "OutputValue": "https://console.aws.amazon.com/ssm/x"},
    {"OutputKey": "InstanceId", "OutputValue": "i-0123456789abcdef0"},
]


class FakeClock:
    """Time advances only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Stubber]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sc = boto3.client("servicecatalog", region_name="us-east-1")
    with Stubber(sc) as stubber:
        yield sc, stubber
        stubber.assert_no_pending_responses()


def _run(sc: Any, clock: FakeClock, timeout: float = 600) -> SmokeTestRun:
    return SmokeTestRun(
        sc,
        timeout_seconds=timeout,
        cost_centers={"Biomedical Research": "Oncology Lab / 101000"},
        sleep=clock.sleep,
        clock=clock,
        poll_seconds=30,
    )


def _find_and_launch(stubber: Stubber) -> None:
    stubber.add_response(
        "search_products",
        {"ProductViewSummaries": [{"Name": "Linux Docker EC2", "ProductId": "prod-abc"}]},
        {},
    )
    stubber.add_response(
        "describe_product",
        {
            "ProvisioningArtifacts": [{"Id": "pa-v1", "Name": "v1"}, {"Id": "pa-v2", "Name": "v2"}],
            "LaunchPaths": [{"Id": "lpv3-1", "Name": "Biomedical Research"}],
        },
        {"Id": "prod-abc"},
    )
    stubber.add_response(
        "provision_product",
        {"RecordDetail": {"RecordId": "rec-launch", "ProvisionedProductId": "pp-1"}},
        {
            "ProductId": "prod-abc",
            "ProvisioningArtifactId": "pa-v2",
            "PathId": "lpv3-1",
            "ProvisionedProductName": ANY,
            "ProvisioningParameters": [{"Key": "InstanceType", "Value": "t4g.small"}],
            "Tags": [{"Key": "CostCenter", "Value": "Oncology Lab / 101000"}],
            "ProvisionToken": ANY,
        },
    )


def _record(stubber: Stubber, record_id: str, status: str, errors: list[Any] | None = None) -> None:
    detail: dict[str, Any] = {"RecordId": record_id, "Status": status}
    if errors:
        detail["RecordErrors"] = errors
    stubber.add_response("describe_record", {"RecordDetail": detail}, {"Id": record_id})


def _terminate(stubber: Stubber) -> None:
    stubber.add_response(
        "terminate_provisioned_product",
        {"RecordDetail": {"RecordId": "rec-terminate"}},
        {"ProvisionedProductId": "pp-1", "TerminateToken": ANY},
    )
    _record(stubber, "rec-terminate", "SUCCEEDED")


def _outputs(stubber: Stubber, outputs: list[dict[str, str]]) -> None:
    """The launch record's outputs, in two pages when there are several."""
    first, rest = outputs[:1], outputs[1:]
    detail = {"RecordId": "rec-launch", "Status": "SUCCEEDED"}
    stubber.add_response(
        "describe_record",
        {
            "RecordDetail": detail,
            "RecordOutputs": first,
            **({"NextPageToken": "p2"} if rest else {}),
        },
        {"Id": "rec-launch"},
    )
    if rest:
        stubber.add_response(
            "describe_record",
            {"RecordDetail": detail, "RecordOutputs": rest},
            {"Id": "rec-launch", "PageToken": "p2"},
        )


def test_success_launches_newest_version_checks_outputs_and_terminates(client: Any) -> None:
    sc, stubber = client
    clock = FakeClock()
    _find_and_launch(stubber)
    _record(stubber, "rec-launch", "IN_PROGRESS")
    _record(stubber, "rec-launch", "SUCCEEDED")
    _outputs(stubber, GOOD_OUTPUTS)
    _terminate(stubber)

    [result] = _run(sc, clock).run([TARGET])

    assert result.ok, result.detail
    assert (result.key, result.version, result.seconds) == ("linux-docker", "v2", 30)


def test_failed_provision_reports_the_record_error_and_terminates(client: Any) -> None:
    sc, stubber = client
    _find_and_launch(stubber)
    _record(stubber, "rec-launch", "FAILED", [{"Code": "X", "Description": "Image not found"}])
    _terminate(stubber)

    [result] = _run(sc, FakeClock()).run([TARGET])

    assert not result.ok
    assert "launch FAILED: Image not found" in result.detail


def test_timeout_fails_and_terminates(client: Any) -> None:
    sc, stubber = client
    _find_and_launch(stubber)
    for _ in range(3):  # at 0, 30 and 60 s; the limit is 45 s
        _record(stubber, "rec-launch", "IN_PROGRESS")
    _terminate(stubber)

    [result] = _run(sc, FakeClock(), timeout=45).run([TARGET])

    assert not result.ok
    assert "launch still IN_PROGRESS after 45 s (timeout)" in result.detail


def test_missing_and_malformed_outputs_fail(client: Any) -> None:
    sc, stubber = client
    _find_and_launch(stubber)
    _record(stubber, "rec-launch", "SUCCEEDED")
    _outputs(stubber, [{"OutputKey": "ConnectionURI", "OutputValue": "http://plain"}])
    _terminate(stubber)

    [result] = _run(sc, FakeClock()).run([TARGET])

    assert not result.ok
    assert "output InstanceId missing" in result.detail
    assert "output ConnectionURI is not an https URL" in result.detail


def test_cleanup_after_an_exception_and_the_exception_propagates(client: Any) -> None:
    sc, stubber = client
    _find_and_launch(stubber)
    stubber.add_client_error("describe_record", "ThrottlingException", "Rate exceeded")
    _terminate(stubber)
    run = _run(sc, FakeClock())

    with pytest.raises(Exception, match="Rate exceeded"):
        run.run([TARGET])

    assert not run.results[0].ok
    assert "aborted" in run.results[0].detail


def test_ctrl_c_while_waiting_still_terminates(client: Any) -> None:
    sc, stubber = client
    _find_and_launch(stubber)
    _record(stubber, "rec-launch", "IN_PROGRESS")
    _terminate(stubber)
    clock = FakeClock()
    calls = {"n": 0}

    def interrupt(seconds: float) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        clock.sleep(seconds)

    run = SmokeTestRun(
        sc,
        timeout_seconds=600,
        cost_centers={"Biomedical Research": "Oncology Lab / 101000"},
        sleep=interrupt,
        clock=clock,
    )
    with pytest.raises(KeyboardInterrupt):
        run.run([TARGET])
    # The stubber's pending-response check (fixture) proves termination ran to the end.


def test_product_not_visible_fails_without_launching(client: Any) -> None:
    sc, stubber = client
    stubber.add_response("search_products", {"ProductViewSummaries": []}, {})

    [result] = _run(sc, FakeClock()).run([TARGET])

    assert not result.ok
    assert "is not visible to this principal" in result.detail


def test_unpublished_version_is_not_launched(client: Any) -> None:
    sc, stubber = client
    stubber.add_response(
        "search_products",
        {"ProductViewSummaries": [{"Name": "Linux Docker EC2", "ProductId": "prod-abc"}]},
        {},
    )
    stubber.add_response(
        "describe_product",
        {"ProvisioningArtifacts": [{"Id": "pa-v1", "Name": "v1"}], "LaunchPaths": [{"Id": "lp"}]},
        {"Id": "prod-abc"},
    )

    [result] = _run(sc, FakeClock()).run([TARGET])

    assert not result.ok
    assert "version v2 is not launchable (visible: v1)" in result.detail


def test_table_lists_product_version_result_and_seconds() -> None:
    table = smoke.render_table(
        [Result("linux-docker", "v2", ok=True, seconds=412.4), Result("x", "v1", detail="boom")]
    )
    lines = table.splitlines()
    assert lines[0].split() == ["PRODUCT", "VERSION", "RESULT", "SECONDS", "DETAIL"]
    assert lines[1].split() == ["linux-docker", "v2", "PASS", "412"]
    assert lines[2].split() == ["x", "v1", "FAIL", "0", "boom"]


def test_every_product_has_a_preset_matching_its_launch_form() -> None:
    from products.catalog import PRODUCT_TEMPLATES

    for key, template in PRODUCT_TEMPLATES.items():
        smoke_test = template.definition.smoke_test
        assert smoke_test is not None, f"{key} has no smoke_test preset"
        form = {p.name: p for group in template.form for p in group.parameters}
        for name, value in smoke_test.parameters.items():
            assert name in form, f"{key}: preset parameter {name} is not on the launch form"
            allowed = form[name].allowed_values
            assert not allowed or value in allowed, f"{key}: {name}={value} not allowed"
        assert smoke_test.outputs, f"{key}: the preset checks no output"


def test_newest_published_version_is_the_target() -> None:
    from config.loader import load_config
    from products.registry import PRODUCTS

    config = load_config("dev", EXAMPLE_CONFIG_DIR)
    targets = smoke.targets_for(config, PRODUCTS)
    assert [(t.key, t.version) for t in targets] == [
        (key, config.published_versions(key)[-1]) for key in config.products
    ]


def test_main_refuses_credentials_of_another_account(monkeypatch: pytest.MonkeyPatch) -> None:
    class Session:
        def client(self, name: str) -> Any:
            assert name == "sts"
            return type("Sts", (), {"get_caller_identity": lambda self: {"Account": "999"}})()

    monkeypatch.setattr(smoke, "_session", lambda role_arn, region: Session())
    assert smoke.main(["--stage", "dev"], out=io.StringIO(), config_dir=EXAMPLE_CONFIG_DIR) == 2


# `make smoke` where it cannot start: one line, exit code 2, nothing launched.
@pytest.mark.parametrize(
    ("setup", "role_arn", "expected"),
    [
        ("none", None, "smoke test not started: no AWS credentials found"),
        ("offline", None, "smoke test not started: cannot reach http://127.0.0.1:9"),
        (
            "credentials",
            "research-catalog-smoke-test",
            "SMOKE_ROLE_ARN 'research-catalog-smoke-test' is not an IAM role ARN; expected "
            "^arn:aws(-[a-z]+)*:iam::\\d{12}:role/(path/)*name$ (e.g. arn:aws:iam::111111111111:"
            "role/research-catalog-smoke-test)",
        ),
        (
            "credentials",
            "arn:aws:iam::999999999999:role/research-catalog-smoke-test",
            "is in account 999999999999; stage dev is in 111111111111",
        ),
        ("none", "arn:aws:iam::111111111111:role/smoke", "no AWS credentials found"),
        ("offline", "arn:aws:iam::111111111111:role/smoke", "cannot reach"),
    ],
)
def test_main_says_in_one_line_why_it_cannot_start(
    aws_setup: Any,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    role_arn: str | None,
    expected: str,
) -> None:
    if setup != "none":
        aws_setup.with_credentials()
    if setup == "offline":
        aws_setup.offline()
    argv = ["--stage", "dev", *(["--role-arn", role_arn] if role_arn else [])]

    assert smoke.main(argv, out=io.StringIO(), config_dir=EXAMPLE_CONFIG_DIR) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert expected in line
