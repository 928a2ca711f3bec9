"""``Custom::BatchJob``: launch-form validation and job-definition registration (Stubber)."""

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    batch_job,
    common,
    dispatch,
    fargate,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = (
    f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-abc/"
    "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
)
NAME = "research_catalog_job_0f1e2d3c4b5a69788796a5b4c3d2e1f0"
QUEUE = "research-catalog-jobs-fargate"
# genomics' prefix, then the first 16 hex digits of sha256("AROAEXAMPLE:jdoe").
SHARE = "genomicsO" + str(
    int.from_bytes(hashlib.sha256(b"AROAEXAMPLE:jdoe").digest()[:4], "big") % 2
)
QUEUE_ARN = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-queue/{QUEUE}"
DEFINITION_ARN = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/{NAME}:4"
API_URL = f"https://abc123.execute-api.{REGION}.amazonaws.com/v1/"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:SC-x-job-secrets-AbCdEf"
PROPERTIES = {
    "Image": "python:3.12-slim",
    "Command": '["python", "-c", "print(\'two words\')"]',
    "Environment": "INPUT=s3://bucket/in; GREETING=a=b\\;c\nEMPTY=",
    "JobSize": "0.5 vCPU, 1 GiB",
    "CpuArchitecture": "ARM64",
    "EphemeralStorageGiB": "21",
    "TimeoutSeconds": "600",
    "Attempts": "3",
    "Spot": "No",
    "JobRoleArn": f"arn:aws:iam::{ACCOUNT}:role/research-catalog/products/job",
    "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/research-catalog/products/exec",
    "LogGroupName": "SC-x-Logs-abc",
    "SecretArn": SECRET_ARN,
    "Community": "genomics",
    "OwnerEmail": "jdoe@example.org",
    "AlertEmail": "",
    "SubmitApiUrl": API_URL,
    "Tags": {"research-catalog:owner-userid": "AROAEXAMPLE:jdoe", "OwnerEmail": ""},
}


def event(request_type: str = "Create", physical_id: str | None = None, **changes: Any) -> dict:
    result: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": "https://example.invalid/response",
        "StackId": STACK_ID,
        "RequestId": "req-1",
        "LogicalResourceId": "Job",
        "ResourceType": batch_job.RESOURCE_TYPE,
        "ResourceProperties": {**PROPERTIES, **changes},
    }
    if physical_id:
        result["PhysicalResourceId"] = physical_id
    return result


@pytest.fixture
def batch(stubbed: Callable[[str], tuple[Any, Stubber]]) -> Any:
    client, _ = stubbed("batch")
    return client


@pytest.fixture
def run(capture: Callable[[], Any], lambda_context: Any) -> Callable[[dict, Any], dict[str, Any]]:
    def invoke(request: dict, batch: Any) -> dict[str, Any]:
        captured = capture()
        dispatch.handler(request, lambda_context, send=captured, client=lambda name: batch)
        (body,) = captured.bodies
        return dict(body)

    return invoke


def expected_registration() -> dict[str, Any]:
    return {
        "jobDefinitionName": NAME,
        "type": "container",
        "platformCapabilities": ["FARGATE"],
        "containerProperties": {
            "image": "python:3.12-slim",
            "command": ["python", "-c", "print('two words')"],
            "resourceRequirements": [
                {"type": "VCPU", "value": "0.5"},
                {"type": "MEMORY", "value": "1024"},
            ],
            "environment": [
                {"name": "EMPTY", "value": ""},
                {"name": "GREETING", "value": "a=b;c"},
                {"name": "INPUT", "value": "s3://bucket/in"},
            ],
            "secrets": [{"name": "SCHEDULED_JOB_SECRETS", "valueFrom": SECRET_ARN}],
            "jobRoleArn": PROPERTIES["JobRoleArn"],
            "executionRoleArn": PROPERTIES["ExecutionRoleArn"],
            "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
            "ephemeralStorage": {"sizeInGiB": 21},
            "networkConfiguration": {"assignPublicIp": "DISABLED"},
            "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {"awslogs-group": "SC-x-Logs-abc", "awslogs-stream-prefix": "job"},
            },
            "readonlyRootFilesystem": False,
        },
        "timeout": {"attemptDurationSeconds": 600},
        "retryStrategy": {"attempts": 3},
        "propagateTags": True,
        # Empty tag values (an owner without e-mail) are left out; the share identifier tag
        # lets the end-user policy tie a submission's share to its definition: the pooled
        # queue's share the handler answers (ShareIdentifier), which the scheduler and the
        # submit API use, never the definition's name.
        "tags": {
            "research-catalog:owner-userid": "AROAEXAMPLE:jdoe",
            "research-catalog:share-identifier": SHARE,
        },
    }


def test_create_registers_the_definition_and_returns_queue_api_and_alert_address(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    with Stubber(batch) as stub:
        stub.add_response(
            "describe_job_queues",
            {"jobQueues": [_queue()]},
            {"jobQueues": [QUEUE]},
        )
        stub.add_response(
            "register_job_definition",
            {"jobDefinitionName": NAME, "jobDefinitionArn": DEFINITION_ARN, "revision": 4},
            expected_registration(),
        )
        body = run(event(), batch)
        stub.assert_no_pending_responses()
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == DEFINITION_ARN
    assert body["Data"] == {
        "JobDefinitionName": NAME,
        "JobDefinitionRevision": "4",
        "JobDefinition": f"{NAME}:4",
        "JobQueueArn": QUEUE_ARN,
        "JobQueueName": QUEUE,
        "ShareIdentifier": SHARE,
        "AlertEmail": "jdoe@example.org",
        "SubmitJobApi": f"{API_URL}jobs/{QUEUE}/{NAME}/4/{SHARE}",
    }


def _queue(name: str = QUEUE, arn: str = QUEUE_ARN) -> dict[str, Any]:
    return {
        "jobQueueName": name,
        "jobQueueArn": arn,
        "state": "ENABLED",
        "priority": 1,
        "computeEnvironmentOrder": [],
    }


def test_spot_uses_the_pooled_spot_queue_and_an_explicit_alert_address(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    spot = "research-catalog-jobs-fargate-spot"
    with Stubber(batch) as stub:
        stub.add_response(
            "describe_job_queues",
            {"jobQueues": [_queue(spot, QUEUE_ARN + "-spot")]},
            {"jobQueues": [spot]},
        )
        stub.add_response(
            "register_job_definition",
            {"jobDefinitionName": NAME, "jobDefinitionArn": DEFINITION_ARN, "revision": 4},
            None,
        )
        body = run(event(Spot="Yes", CpuArchitecture="X86_64", AlertEmail="lab@example.org"), batch)
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["JobQueueName"] == spot
    assert body["Data"]["AlertEmail"] == "lab@example.org"


def test_update_registers_a_new_revision_which_replaces_the_old_one(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    new_arn = DEFINITION_ARN.replace(":4", ":5")
    with Stubber(batch) as stub:
        stub.add_response("describe_job_queues", {"jobQueues": [_queue()]}, {"jobQueues": [QUEUE]})
        stub.add_response(
            "register_job_definition",
            {"jobDefinitionName": NAME, "jobDefinitionArn": new_arn, "revision": 5},
            None,
        )
        body = run(event("Update", physical_id=DEFINITION_ARN), batch)
    # A new physical ID makes CloudFormation send Delete for the old revision afterwards.
    assert body["PhysicalResourceId"] == new_arn
    assert body["Data"]["SubmitJobApi"].endswith(f"/{NAME}/5/{SHARE}")


def test_delete_deregisters_the_revision(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    with Stubber(batch) as stub:
        stub.add_response("deregister_job_definition", {}, {"jobDefinition": DEFINITION_ARN})
        body = run(event("Delete", physical_id=DEFINITION_ARN), batch)
        stub.assert_no_pending_responses()
    assert body["Status"] == "SUCCESS"


def test_delete_after_a_failed_create_calls_nothing(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    with Stubber(batch):  # any call would fail: no response queued
        body = run(event("Delete", physical_id="product-context-0000abcd"), batch)
    assert body["Status"] == "SUCCESS"


def test_delete_succeeds_even_if_batch_refuses(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    with Stubber(batch) as stub:
        stub.add_client_error("deregister_job_definition", "ServerException", "boom")
        body = run(event("Delete", physical_id=DEFINITION_ARN), batch)
    assert body["Status"] == "SUCCESS"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"Command": "python run.py"}, "Command is not valid JSON"),
        ({"Command": '"python run.py"'}, "must be a non-empty JSON array of strings"),
        ({"Command": '["python", 3]'}, "must be a non-empty JSON array of strings"),
        ({"Environment": "INPUT"}, "entry 1 ('INPUT') has no '='"),
        ({"Environment": "=value"}, "entry 1 ('=value') has an empty name"),
        ({"Environment": "A=1;B=2;A=3"}, "entry 3: A is set twice"),
        ({"Environment": "1X=1"}, "'1X' is not a variable name"),
        ({"Environment": "SCHEDULED_JOB_SECRETS={}"}, "SCHEDULED_JOB_SECRETS is reserved"),
        ({"Environment": "AWS_BATCH_JOB_ID=1"}, "AWS_BATCH_JOB_ID is reserved"),
        ({"JobSize": "0.25 vCPU, 8 GiB"}, "is not a Fargate size"),
        ({"Spot": "Yes"}, "Fargate Spot runs only X86_64"),
        ({"AlertEmail": "", "OwnerEmail": ""}, "knows no e-mail address for you"),
    ],
)
def test_bad_input_fails_the_launch_with_a_clear_reason(
    batch: Any, changes: dict[str, str], message: str, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    with Stubber(batch) as stub:
        # Only the owner-email check needs the queue lookup first; nothing is registered.
        stub.add_response("describe_job_queues", {"jobQueues": [_queue()]}, None)
        body = run(event(**changes), batch)
    assert body["Status"] == "FAILED"
    assert message in body["Reason"]


def test_every_environment_problem_is_reported_at_once() -> None:
    with pytest.raises(common.ProductContextError) as error:
        batch_job.parse_environment("A=1\nB\n=2\nA=4")
    assert str(error.value) == (
        "EnvironmentVariables: entry 2 ('B') has no '=': write NAME=value; "
        "entry 3 ('=2') has an empty name; entry 4: A is set twice"
    )


def test_an_empty_command_keeps_the_images_own(batch: Any) -> None:
    request = batch_job.job_definition_request(event(Command="  "))
    assert "command" not in request["containerProperties"]


def test_a_stage_without_the_pooled_queue_gets_a_clear_reason(
    batch: Any, run: Callable[[dict, Any], dict[str, Any]]
) -> None:
    with Stubber(batch) as stub:
        stub.add_response("describe_job_queues", {"jobQueues": []}, {"jobQueues": [QUEUE]})
        body = run(event(), batch)
    assert body["Status"] == "FAILED"
    assert "the stage has no job queue research-catalog-jobs-fargate" in body["Reason"]


def test_every_fargate_size_round_trips_through_its_label() -> None:
    for vcpu, memories in fargate.FARGATE_SIZES.items():
        for memory in memories:
            assert batch_job.parse_size(fargate.size_label(vcpu, memory)) == (vcpu, memory)
    assert sum(len(memories) for memories in fargate.FARGATE_SIZES.values()) == 74


def test_definition_names_are_unique_per_stack_and_valid_share_identifiers() -> None:
    other = STACK_ID.replace("0f1e2d3c", "aaaaaaaa")
    assert batch_job.job_definition_name(STACK_ID) == NAME
    assert batch_job.job_definition_name(other) != NAME
    assert NAME.replace("_", "").isalnum()


def test_share_identifiers_pin_the_community_and_spread_its_owners() -> None:
    """Letters and digits only (AWS Batch), starting with the community's prefix that
    end-user policies pin (contract.job_share_prefix), always the same for an owner, the
    community's owners spread over exactly its two shares, and no community's identifiers
    start with another's prefix ("-" becomes "Z", "O" separates)."""
    from catalog_constructs import contract

    assert batch_job.SHARES_PER_COMMUNITY == contract.JOB_SHARES_PER_COMMUNITY
    owners = [f"AROA1:member{index}" for index in range(40)]
    shares = {owner: batch_job.share_identifier("bio-med", owner) for owner in owners}
    assert set(shares.values()) == {"bioZmedO0", "bioZmedO1"}
    assert shares == {owner: batch_job.share_identifier("bio-med", owner) for owner in owners}
    jane = batch_job.share_identifier("bio-med", "AROA1:jane")
    assert jane.isalnum() and jane.startswith(contract.job_share_prefix("bio-med"))
    assert not jane.startswith(contract.job_share_prefix("bio"))
    assert not batch_job.share_identifier("biomed", "x").startswith(
        contract.job_share_prefix("bio-med")
    )
