"""The CloudFormation response every handler sends (the canonical ``cfn`` module; the copies
in the Lambda assets are compared with it byte for byte in ``test_copies``)."""

import json
from typing import Any

import pytest

from catalog_constructs.common.handler_modules import cfn

RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/signed"


def make_event(stack_id: str) -> dict[str, Any]:
    return {
        "RequestType": "Create",
        "ResponseURL": RESPONSE_URL,
        "StackId": stack_id,
        "RequestId": "5d478078-13e9-baf0-464a-7ef285ecc786",
        "LogicalResourceId": "ProductContext",
        "ResourceType": "Custom::ProductContext",
    }


def test_respond_sends_the_custom_resource_body(captured: Any, lambda_context: Any) -> None:
    event = make_event("arn:aws:cloudformation:us-east-1:123456789012:stack/s/uuid")

    cfn.respond(
        event,
        lambda_context,
        status="SUCCESS",
        physical_id="pid-1",
        data={"Community": "genomics"},
        send=captured,
    )

    url, body = captured.sent[0]
    assert url == RESPONSE_URL
    assert body == {
        "Status": "SUCCESS",
        "Reason": f"see CloudWatch log stream {lambda_context.log_stream_name}",
        "PhysicalResourceId": "pid-1",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": "ProductContext",
        "Data": {"Community": "genomics"},
    }


def test_respond_truncates_long_reasons(captured: Any) -> None:
    cfn.respond(
        make_event("arn:stack"),
        None,
        status="FAILED",
        physical_id="p",
        reason="x" * 5000,
        send=captured,
    )

    assert len(captured.only["Reason"]) == 1000
    assert captured.only["Reason"].endswith("x" + cfn.TRUNCATED)


def test_respond_without_a_reason_points_at_the_log_stream(
    captured: Any, lambda_context: Any
) -> None:
    """Every function gives the same default Reason: its invocation's log stream."""
    cfn.respond(
        make_event("arn:stack"), lambda_context, status="SUCCESS", physical_id="p", send=captured
    )
    cfn.respond(make_event("arn:stack"), None, status="SUCCESS", physical_id="p", send=captured)

    assert [body["Reason"] for body in captured.bodies] == [
        f"see CloudWatch log stream {lambda_context.log_stream_name}",
        "see CloudWatch log stream unknown",
    ]
    assert [body["Data"] for body in captured.bodies] == [{}, {}]


def test_send_response_puts_json_without_content_type(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = []

    class Response:
        def __enter__(self) -> "Response":
            return self

        def __exit__(self, *args: object) -> None:
            pass

        def read(self) -> bytes:
            return b""

    def fake_urlopen(request: Any, timeout: float) -> Response:
        requests.append(request)
        return Response()

    monkeypatch.setattr(cfn.urllib.request, "urlopen", fake_urlopen)
    body = json.dumps({"Status": "SUCCESS"}).encode()

    cfn.send_response(RESPONSE_URL, body)

    (request,) = requests
    assert request.full_url == RESPONSE_URL
    assert request.get_method() == "PUT"
    assert request.data == body
    assert request.get_header("Content-type") == ""
    assert request.get_header("Content-length") == str(len(body))


def test_log_writes_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    cfn.log("resolved", count=2, when=object)

    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {"message": "resolved", "count": 2, "when": str(object)}


def test_a_reason_of_wide_characters_keeps_the_response_under_4096_bytes() -> None:
    """Issue 17, item 13: CloudFormation refuses a response body over 4,096 bytes. JSON escapes
    an emoji as two \\u escapes (12 bytes), so a Reason cut to 1,000 characters could be 12 KB."""
    sent: list[bytes] = []

    cfn.respond(
        make_event("arn:stack"),
        None,
        status="FAILED",
        physical_id="p",
        reason="disks: " + "\U0001f4be" * 2000,
        send=lambda url, body: sent.append(body),
    )

    (body,) = sent
    assert len(body) <= 4096
    reason = json.loads(body)["Reason"]
    assert reason.startswith("disks: \U0001f4be\U0001f4be")
    assert reason.endswith(cfn.TRUNCATED)


def test_data_too_large_for_a_response_fails_instead_of_never_arriving(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 17, item 13: a body over 4,096 bytes is refused, and the stack then waits an hour
    for an answer; cutting Data would report success with wrong values. The request fails
    saying so, and the log keeps the data."""
    sent: list[bytes] = []
    profiles = ",".join(f"member-{number:04d}" for number in range(400))

    cfn.respond(
        make_event("arn:stack"),
        None,
        status="SUCCESS",
        physical_id="p",
        data={"UserProfiles": profiles},
        send=lambda url, body: sent.append(body),
    )

    (body,) = sent
    assert len(body) <= 4096
    answer = json.loads(body)
    assert answer["Status"] == "FAILED" and answer["Data"] == {}
    assert "too large for CloudFormation" in answer["Reason"]
    assert "member-0399" in capsys.readouterr().out
