"""catalog_cli.studio: a presigned Studio link with the caller's credentials (Stubber)."""

import io
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from catalog_cli import studio

DOMAIN = "d-abcdefghijkl"
URL = "https://d-abcdefghijkl.studio.us-east-1.sagemaker.aws/auth?token=secret"
PRESIGN = {
    "DomainId": DOMAIN,
    "UserProfileName": "jdoe",
    "ExpiresInSeconds": 300,
    "SessionExpirationDurationInSeconds": 43200,
}


@pytest.fixture
def sagemaker() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "sagemaker",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def run(client: Any, *args: str, opened: list[str] | None = None) -> tuple[int, str]:
    out = io.StringIO()
    opened = [] if opened is None else opened
    code = studio.main(
        ["--domain", DOMAIN, "--profile", "jdoe", *args],
        out,
        client=lambda region: client,
        open_url=lambda url: opened.append(url) is None,
    )
    return code, out.getvalue()


def test_opens_the_link_in_the_browser(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_response("describe_domain", {"DomainId": DOMAIN}, {"DomainId": DOMAIN})
    stubber.add_response("create_presigned_domain_url", {"AuthorizedUrl": URL}, PRESIGN)
    opened: list[str] = []
    code, out = run(client, opened=opened)
    assert code == 0
    assert opened == [URL]
    assert URL not in out


def test_print_shows_the_link_instead(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_response("describe_domain", {"DomainId": DOMAIN}, {"DomainId": DOMAIN})
    stubber.add_response("create_presigned_domain_url", {"AuthorizedUrl": URL}, PRESIGN)
    opened: list[str] = []
    code, out = run(client, "--print", opened=opened)
    assert code == 0
    assert opened == []
    assert URL in out and "5 minutes" in out


def test_unknown_domain(sagemaker: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "describe_domain", "ResourceNotFound", expected_params={"DomainId": DOMAIN}
    )
    code, _ = run(client)
    assert code == 2
    assert f"no Studio domain '{DOMAIN}'" in capsys.readouterr().err


def test_unknown_profile(
    sagemaker: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = sagemaker
    stubber.add_response("describe_domain", {"DomainId": DOMAIN}, {"DomainId": DOMAIN})
    stubber.add_client_error(
        "create_presigned_domain_url", "ResourceNotFound", expected_params=PRESIGN
    )
    code, _ = run(client)
    assert code == 2
    assert "no user profile 'jdoe'" in capsys.readouterr().err


def test_someone_elses_profile_is_access_denied(
    sagemaker: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = sagemaker
    # Without DescribeDomain the presign call still decides.
    stubber.add_client_error(
        "describe_domain", "AccessDeniedException", expected_params={"DomainId": DOMAIN}
    )
    stubber.add_client_error(
        "create_presigned_domain_url", "AccessDeniedException", expected_params=PRESIGN
    )
    code, _ = run(client)
    assert code == 2
    assert "only their own profile" in capsys.readouterr().err


def test_other_errors_are_not_disguised(
    sagemaker: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    # Reported as they are, with AWS's code, in one line instead of a traceback.
    client, stubber = sagemaker
    stubber.add_client_error(
        "describe_domain",
        "ThrottlingException",
        "Rate exceeded",
        expected_params={"DomainId": DOMAIN},
    )
    code, _ = run(client)
    assert code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == "error: AWS refused DescribeDomain: ThrottlingException: Rate exceeded"
