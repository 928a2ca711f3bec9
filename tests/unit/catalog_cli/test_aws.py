"""What the researchers' command-line helpers say when AWS cannot be used: one line and exit
code 2, never a traceback. Each case is what a user meets: botocore reads an empty setup (no
credentials, region or profile) or finds every endpoint closed (no network)."""

import urllib.error
from typing import Any

import pytest

from catalog_cli import jobs, studio

JOB_ID = "6e2c3a1c-0000-4000-8000-000000000001"
SUBMIT_URL = (
    "https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/jobs/"
    "research-catalog-genomics-fargate/research_catalog_job_0f1e/3"
)


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ")
    return line


def test_follow_without_a_region(aws_setup: Any, capsys: pytest.CaptureFixture[str]) -> None:
    aws_setup.with_credentials(region=None)
    assert jobs.main(["follow", JOB_ID]) == 2
    assert "no AWS region: give --region (e.g. --region us-east-1)" in one_line(capsys)


def test_follow_without_credentials(aws_setup: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert jobs.main(["follow", JOB_ID, "--region", "eu-west-1"]) == 2
    assert "no AWS credentials found: sign in" in one_line(capsys)


def test_follow_without_network(aws_setup: Any, capsys: pytest.CaptureFixture[str]) -> None:
    aws_setup.with_credentials()
    aws_setup.offline()
    assert jobs.main(["follow", JOB_ID]) == 2
    assert "cannot reach http://127.0.0.1:9" in one_line(capsys)


def test_a_missing_aws_profile(aws_setup: Any, capsys: pytest.CaptureFixture[str]) -> None:
    aws_setup.set(AWS_PROFILE="reserach")
    assert jobs.main(["follow", JOB_ID, "--region", "eu-west-1"]) == 2
    assert "the AWS profile 'reserach' (AWS_PROFILE" in one_line(capsys)


def test_submit_without_network(
    aws_setup: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_setup.with_credentials()

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))

    monkeypatch.setattr(jobs.urllib.request, "urlopen", unreachable)
    assert jobs.main(["submit", SUBMIT_URL]) == 2
    line = one_line(capsys)
    assert "cannot reach abc123defg.execute-api.eu-west-1.amazonaws.com" in line
    assert "check your network connection" in line


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("none", "no AWS region"),
        ("region", "no AWS credentials found"),
        ("offline", "cannot reach http://127.0.0.1:9"),
        ("profile", "the AWS profile 'nope'"),
    ],
)
def test_studio_explains_what_is_missing(
    aws_setup: Any, capsys: pytest.CaptureFixture[str], setup: str, expected: str
) -> None:
    if setup == "region":
        aws_setup.set(AWS_DEFAULT_REGION="us-east-1")
    elif setup == "offline":
        aws_setup.with_credentials()
        aws_setup.offline()
    elif setup == "profile":
        aws_setup.set(AWS_PROFILE="nope")
    code = studio.main(["--domain", "d-abc", "--profile", "jdoe", "--print"], open_url=print)
    assert code == 2
    assert expected in one_line(capsys)


@pytest.mark.parametrize("module", [jobs, studio])
def test_help_keeps_each_usage_line_on_its_own(
    module: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        module.main(["--help"])
    out = capsys.readouterr().out
    usage = [line.strip() for line in (module.__doc__ or "").splitlines() if "python -m" in line]
    assert usage
    for line in usage:
        assert f"\n    {line}\n" in out, out
