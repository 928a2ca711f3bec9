"""The jobs CLI: SigV4-signed submission and following a run, with botocore's Stubber."""

import io
import json

import boto3
import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber

from catalog_cli import jobs

URL = (
    "https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/jobs/"
    "research-catalog-genomics-fargate/research_catalog_job_0f1e/3"
)
CREDENTIALS = Credentials("AKIAEXAMPLE", "secret", "session-token")
JOB_ID = "6e2c3a1c-0000-4000-8000-000000000001"
LOG_OPTIONS = {"options": {"awslogs-group": "SC-1-pp-x-Logs-abc", "awslogs-stream-prefix": "job"}}


class FakeApi:
    def __init__(self, status: int, body: dict | str) -> None:
        self.status = status
        self.body = body if isinstance(body, str) else json.dumps(body)
        self.calls: list[tuple[str, str, dict[str, str], bytes]] = []

    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes):
        self.calls.append((method, url, headers, body))
        return self.status, self.body.encode()


def test_submit_signs_for_execute_api_in_the_urls_region() -> None:
    api = FakeApi(200, {"jobId": JOB_ID, "jobName": "api-1", "jobArn": "arn"})
    submitted = jobs.submit(URL, CREDENTIALS, sender=api)
    assert submitted == jobs.Submitted(job_id=JOB_ID, job_name="api-1")
    ((method, url, headers, _),) = api.calls
    assert (method, url) == ("POST", URL)
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert headers["X-Amz-Security-Token"] == "session-token"


def test_submit_explains_a_refusal() -> None:
    api = FakeApi(403, {"message": "User is not authorized to perform batch:SubmitJob"})
    with pytest.raises(jobs.JobsCliError, match=r"403: User is not authorized.*owner"):
        jobs.submit(URL, CREDENTIALS, sender=api)


def test_submit_rejects_an_answer_without_job_id() -> None:
    with pytest.raises(jobs.JobsCliError, match="answered 502"):
        jobs.submit(URL, CREDENTIALS, sender=FakeApi(502, "Bad Gateway"))


def test_a_url_that_is_not_the_submit_api_is_refused_before_signing() -> None:
    with pytest.raises(jobs.JobsCliError, match="not a SubmitJobApi URL"):
        jobs.submit("http://example.org/jobs", CREDENTIALS, sender=FakeApi(200, {}))


def _job(status: str, **extra: object) -> dict:
    return {
        "jobId": JOB_ID,
        "jobName": "api-1",
        "jobQueue": "q",
        "jobDefinition": "d",
        "status": status,
        "startedAt": 1,
        **extra,
    }


def test_follow_prints_each_status_once_and_the_end_of_the_log() -> None:
    batch = boto3.client("batch", region_name="eu-west-1")
    logs = boto3.client("logs", region_name="eu-west-1")
    container = {
        "logStreamName": "job/default/abc",
        "logConfiguration": {"logDriver": "awslogs", **LOG_OPTIONS},
    }
    with Stubber(batch) as batch_stub, Stubber(logs) as logs_stub:
        for status in ("RUNNABLE", "RUNNABLE", "RUNNING"):
            batch_stub.add_response("describe_jobs", {"jobs": [_job(status)]}, {"jobs": [JOB_ID]})
        batch_stub.add_response(
            "describe_jobs",
            {"jobs": [_job("SUCCEEDED", container=container)]},
            {"jobs": [JOB_ID]},
        )
        logs_stub.add_response(
            "get_log_events",
            {"events": [{"timestamp": 1, "message": "hello"}, {"timestamp": 2, "message": "done"}]},
            {
                "logGroupName": "SC-1-pp-x-Logs-abc",
                "logStreamName": "job/default/abc",
                "limit": 50,
                "startFromHead": False,
            },
        )
        out = io.StringIO()
        sleeps: list[float] = []
        assert jobs.follow(JOB_ID, batch, logs, out, interval=5, sleep=sleeps.append) is True
        batch_stub.assert_no_pending_responses()
        logs_stub.assert_no_pending_responses()
    assert out.getvalue().splitlines() == [
        "RUNNABLE",
        "RUNNING",
        "SUCCEEDED",
        "  | hello",
        "  | done",
    ]
    assert sleeps == [5, 5, 5]


def test_follow_reports_a_failure_with_its_reason() -> None:
    batch = boto3.client("batch", region_name="eu-west-1")
    logs = boto3.client("logs", region_name="eu-west-1")
    with Stubber(batch) as batch_stub, Stubber(logs):
        batch_stub.add_response(
            "describe_jobs",
            {"jobs": [_job("FAILED", statusReason="Job attempt duration exceeded timeout")]},
            {"jobs": [JOB_ID]},
        )
        out = io.StringIO()
        assert jobs.follow(JOB_ID, batch, logs, out, sleep=lambda _: None) is False
    assert out.getvalue() == "FAILED: Job attempt duration exceeded timeout\n"


def test_follow_of_an_unknown_job_is_a_clear_error() -> None:
    batch = boto3.client("batch", region_name="eu-west-1")
    with Stubber(batch) as batch_stub:
        batch_stub.add_response("describe_jobs", {"jobs": []}, {"jobs": [JOB_ID]})
        with pytest.raises(jobs.JobsCliError, match="no job"):
            jobs.follow(JOB_ID, batch, batch, io.StringIO(), sleep=lambda _: None)


def test_main_exits_2_with_a_message_on_a_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert jobs.main(["submit", "https://example.org/x"]) == 2
    assert "not a SubmitJobApi URL" in capsys.readouterr().err
