"""catalog_cli.studio: finding the caller's own profiles and a presigned Studio link with the
caller's credentials (Stubber)."""

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
        ["--domain", DOMAIN, "--user-profile", "jdoe", *args],
        out,
        client=lambda service: client,
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


# --- finding the caller's own profiles ------------------------------------------------------

ME = "AROAEXAMPLEROLEID:jane.doe@example.org"
DOMAIN_ARN = f"arn:aws:sagemaker:us-east-1:111111111111:domain/{DOMAIN}"


def profile_arn(name: str) -> str:
    return f"arn:aws:sagemaker:us-east-1:111111111111:user-profile/{DOMAIN}/{name}"


@pytest.fixture
def sts() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "sts", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="t"
    )
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_caller_identity",
            {"UserId": ME, "Account": "111111111111", "Arn": "arn:aws:sts::111111111111:x/y"},
        )
        yield client, stubber


def stub_team(stubber: Stubber, *, mine: str = "jane-doe", colleague: str = "jdoe") -> None:
    """One domain with the caller's profile (tagged) and a colleague's (ListTags refused)."""
    stubber.add_response(
        "list_domains",
        {"Domains": [{"DomainId": DOMAIN, "DomainArn": DOMAIN_ARN, "DomainName": "alpha-SC-1"}]},
        {},
    )
    stubber.add_response(
        "list_user_profiles",
        {"UserProfiles": [{"DomainId": DOMAIN, "UserProfileName": n} for n in (colleague, mine)]},
        {"DomainIdEquals": DOMAIN},
    )
    stubber.add_client_error(
        "list_tags",
        "AccessDeniedException",
        expected_params={"ResourceArn": profile_arn(colleague)},
    )
    stubber.add_response(
        "list_tags",
        {
            "Tags": [
                {"Key": "research-catalog:member-userid", "Value": ME},
                {"Key": studio.TEAM_TAG, "Value": "alpha"},
                {"Key": studio.SCRATCH_TAG, "Value": "alpha-scratch"},
            ]
        },
        {"ResourceArn": profile_arn(mine)},
    )


def test_finds_and_opens_the_callers_own_profile(
    sagemaker: tuple[Any, Stubber], sts: tuple[Any, Stubber]
) -> None:
    """No domain or profile name needed: the one tagged with the caller's aws:userid."""
    client, stubber = sagemaker
    stub_team(stubber)
    stubber.add_response("describe_domain", {"DomainId": DOMAIN}, {"DomainId": DOMAIN})
    stubber.add_response(
        "create_presigned_domain_url",
        {"AuthorizedUrl": URL},
        {**PRESIGN, "UserProfileName": "jane-doe"},
    )
    clients = {"sagemaker": client, "sts": sts[0]}
    out, opened = io.StringIO(), []
    code = studio.main([], out, client=clients.__getitem__, open_url=opened.append)
    assert code == 0
    assert opened == [URL]
    assert "alpha: domain d-abcdefghijkl, user profile jane-doe" in out.getvalue()
    assert "s3://alpha-scratch" in out.getvalue()


def test_list_shows_the_team_and_its_buckets(
    sagemaker: tuple[Any, Stubber], sts: tuple[Any, Stubber]
) -> None:
    client, stubber = sagemaker
    stub_team(stubber)
    clients = {"sagemaker": client, "sts": sts[0]}
    out = io.StringIO()
    assert studio.main(["--list"], out, client=clients.__getitem__) == 0
    assert out.getvalue().splitlines() == [
        "alpha: domain d-abcdefghijkl, user profile jane-doe",
        "  scratch bucket: s3://alpha-scratch",
    ]


def test_no_profile_of_ones_own_says_what_to_ask_for(
    sagemaker: tuple[Any, Stubber], sts: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = sagemaker
    stubber.add_response("list_domains", {"Domains": []}, {})
    clients = {"sagemaker": client, "sts": sts[0]}
    assert studio.main([], io.StringIO(), client=clients.__getitem__) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "no Studio user profile of yours (jane.doe@example.org)" in line
    assert "Members" in line


def test_profile_means_the_aws_credentials_profile(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """--profile is the AWS CLI's meaning; the old spelling (--profile <Studio profile> with
    --domain) gets one line saying to use --user-profile."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert studio.main(["--domain", DOMAIN, "--profile", "jdoe"], io.StringIO()) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "the AWS profile 'jdoe'" in line
    assert "use --user-profile jdoe" in line
    assert studio.main(["--profile", "research", "--list"], io.StringIO()) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "the AWS profile 'research'" in line and "--user-profile" not in line
