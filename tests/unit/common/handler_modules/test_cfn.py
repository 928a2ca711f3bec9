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
        status="SUCCESS",
        physical_id="pid-1",
        data={"Community": "genomics"},
        default_reason=cfn.log_stream_hint(lambda_context),
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
        make_event("arn:stack"), status="FAILED", physical_id="p", reason="x" * 5000, send=captured
    )

    assert len(captured.only["Reason"]) == 1000


def test_respond_without_a_reason_points_at_the_logs(captured: Any) -> None:
    cfn.respond(make_event("arn:stack"), status="SUCCESS", physical_id="p", send=captured)
    cfn.respond(
        make_event("arn:stack"),
        status="SUCCESS",
        physical_id="p",
        default_reason=cfn.log_stream_hint(None),
        send=captured,
    )

    assert [body["Reason"] for body in captured.bodies] == [
        "see the function's CloudWatch log group",
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
