"""The sign-in communities come from SSM (one entry per community, written by its stack), not
from the function's 4 KB environment: a stage of 250 sign-in communities, the cache, made-up
names, broken entries, SSM failures and the Lambda's deadline, through the Lambda handler."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError

from catalog_constructs.sign_in.handler.sign_in_handlers import app, directory
from tests.fake_oidc import FakeIdentityProvider
from tests.sign_in_harness import (
    BASE_URL,
    MEMBER,
    REGION,
    ROLE_PREFIX,
    TEAM,
    Browser,
    Clock,
    make_services,
    raw_settings,
    write_entries,
)

MANY = 250  # config.rules.communities.MAX_COMMUNITIES


def many_communities(count: int = MANY) -> dict[str, Any]:
    communities: dict[str, Any] = {
        f"community-{index:03d}": {
            "title": f"Community {index:03d} " + "of a long consortium name " * 3,
            "manager": f"manager-{index:03d}@example.org",
            "team": f"{5000000 + index}",
        }
        for index in range(1, count)
    }
    communities["consortium"] = raw_settings()["communities"]["consortium"]
    return communities


class CountingSsm:
    """moto's SSM, counting the calls (or failing them all)."""

    def __init__(self, ssm: Any) -> None:
        self._ssm = ssm
        self.calls: list[dict[str, Any]] = []
        self.failing = False

    def get_parameters_by_path(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        if self.failing:
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "GetParametersByPath",
            )
        return self._ssm.get_parameters_by_path(**kwargs)


@pytest.fixture(scope="module")
def many_path(aws: None) -> str:
    """The entries of 250 communities, written once for the module."""
    path = "/many/research-catalog/sign-in/communities"
    write_entries(boto3.client("ssm", region_name=REGION), path, many_communities())
    return path


@pytest.fixture
def many(many_path: str, provider: FakeIdentityProvider, clock: Clock) -> app.Services:
    services = make_services(
        raw_settings(), provider.http_client(), clock=clock, communities_path=many_path
    )
    services.ssm = CountingSsm(services.ssm)
    return services


def ssm_of(services: app.Services) -> CountingSsm:
    assert isinstance(services.ssm, CountingSsm)
    return services.ssm


def test_a_stage_of_250_sign_in_communities_lists_and_signs_in_to_each(
    many: app.Services, provider: FakeIdentityProvider, lambda_context: Any
) -> None:
    """The former design held the communities in the environment and refused a few dozen."""
    browser = Browser(many, lambda_context)
    landing = browser.get(f"{BASE_URL}/")
    assert landing["statusCode"] == 200
    assert landing["body"].count("<li><a href=") == MANY
    assert f'href="{BASE_URL}/communities/community-249"' in landing["body"]
    # Read by path, ten per page (SSM may end with an empty page).
    pages = len(ssm_of(many).calls)
    assert MANY // 10 <= pages <= MANY // 10 + 1
    assert {call["MaxResults"] for call in ssm_of(many).calls} == {10}

    response = browser.get(f"{BASE_URL}/communities/consortium/start")
    assert response["statusCode"] == 303
    claims = json.loads(parse_qs(urlsplit(response["headers"]["Location"]).query)["claims"][0])
    # Only the team of the community signed in to: the URL does not grow with the stage.
    assert claims["id_token"]["team"] == {"values": [TEAM]}
    final = browser.get(provider.approve(response["headers"]["Location"], MEMBER))
    assert final["statusCode"] == 303, final["body"]
    (assumed,) = many.sts.assumed  # type: ignore[attr-defined]
    assert assumed["RoleArn"] == f"{ROLE_PREFIX}consortium"
    # Every request above was served from one reading of the path.
    assert len(ssm_of(many).calls) == pages


def test_the_listing_is_read_again_after_the_cache_time(
    many: app.Services, clock: Clock, lambda_context: Any
) -> None:
    browser = Browser(many, lambda_context)
    assert browser.get(f"{BASE_URL}/communities/consortium")["statusCode"] == 200
    pages = len(ssm_of(many).calls)
    clock.now += directory.CACHE_SECONDS - 1
    assert browser.get(f"{BASE_URL}/communities/community-007")["statusCode"] == 200
    assert len(ssm_of(many).calls) == pages
    clock.now += 2
    assert browser.get(f"{BASE_URL}/communities/consortium")["statusCode"] == 200
    assert len(ssm_of(many).calls) == 2 * pages


@pytest.mark.parametrize("name", ["nope", "x" * 64, "UPPER", "a..b", "%2e%2e"])
def test_made_up_names_are_unknown_and_cost_no_ssm_call_per_name(
    many: app.Services, lambda_context: Any, name: str
) -> None:
    browser = Browser(many, lambda_context)
    browser.get(f"{BASE_URL}/")
    before = len(ssm_of(many).calls)
    for _ in range(3):
        response = browser.get(f"{BASE_URL}/communities/{name}/start")
        assert response["statusCode"] == 404
        assert "<h1>Unknown community</h1>" in response["body"]
    assert len(ssm_of(many).calls) == before


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("not json", "it is not JSON"),
        ('["a list"]', "it is not a JSON object"),
        ('{"title": "T", "manager": "m@example.org"}', "it names no Synapse team ID"),
        ('{"title": "T", "manager": "m@example.org", "team": "12; DROP"}', "no Synapse team"),
        ('{"manager": "m@example.org", "team": "1"}', "its title is missing"),
        ('{"title": "T", "manager": "nobody", "team": "1"}', "its manager is not an e-mail"),
    ],
)
def test_a_broken_entry_refuses_its_community_with_a_page_and_leaves_the_others(
    aws: None,
    provider: FakeIdentityProvider,
    clock: Clock,
    lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
    entry: str,
    reason: str,
) -> None:
    communities = {**raw_settings()["communities"], "broken": entry}
    services = make_services(
        raw_settings(communities=communities), provider.http_client(), clock=clock
    )
    browser = Browser(services, lambda_context)
    for url in (f"{BASE_URL}/communities/broken", f"{BASE_URL}/communities/broken/start"):
        response = browser.get(url)
        assert response["statusCode"] == 500
        assert "<h1>This community&#x27;s sign-in is misconfigured</h1>" in response["body"]
        assert "Traceback" not in response["body"]
    landing = browser.get(f"{BASE_URL}/")
    assert "/communities/consortium" in landing["body"]
    assert "/communities/broken" not in landing["body"]
    assert browser.get(f"{BASE_URL}/communities/consortium/start")["statusCode"] == 303
    logged = capsys.readouterr().out
    assert reason in logged and '"community": "broken"' in logged


def test_an_entry_of_the_other_provider_kind_is_broken(
    aws: None, provider: FakeIdentityProvider, clock: Clock, lambda_context: Any
) -> None:
    """A Synapse stage needs team IDs; a group-only entry (an OIDC stage's) is refused."""
    communities = {"consortium": {"title": "C", "manager": "m@example.org", "group": "g"}}
    services = make_services(
        raw_settings(communities=communities), provider.http_client(), clock=clock
    )
    response = Browser(services, lambda_context).get(f"{BASE_URL}/communities/consortium")
    assert response["statusCode"] == 500


def test_ssm_failing_is_a_page_and_a_recent_listing_keeps_serving(
    many: app.Services, clock: Clock, lambda_context: Any
) -> None:
    browser = Browser(many, lambda_context)
    ssm_of(many).failing = True
    for url in (f"{BASE_URL}/", f"{BASE_URL}/communities/consortium"):
        response = browser.get(url)
        assert response["statusCode"] == 503
        assert "<h1>The catalog cannot look up its communities</h1>" in response["body"]
    command_line = app.handler(
        {"httpMethod": "GET", "path": "/cli", "headers": {}}, lambda_context, services=many
    )
    assert command_line["statusCode"] == 503
    assert json.loads(command_line["body"])["error"] == "communities_unavailable"

    ssm_of(many).failing = False
    assert browser.get(f"{BASE_URL}/communities/consortium")["statusCode"] == 200
    ssm_of(many).failing = True
    clock.now += directory.CACHE_SECONDS + 1  # stale, not too old: served
    assert browser.get(f"{BASE_URL}/communities/consortium")["statusCode"] == 200
    clock.now += directory.STALE_SECONDS
    assert browser.get(f"{BASE_URL}/communities/consortium")["statusCode"] == 503


class ShortContext:
    """A Lambda with this many seconds left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.seconds * 1000)


def test_no_page_is_read_without_the_time_to_answer(many: app.Services) -> None:
    """Each page waits for the time one SSM call may take (directory.CALL_SECONDS, from the
    client's timeouts and attempts) besides the time kept to answer (2 s); with less left the
    answer is a page, in time, and SSM is not called."""
    short = ShortContext(directory.CALL_SECONDS + 2 - 0.5)
    response = Browser(many, short).get(f"{BASE_URL}/communities/consortium")
    assert response["statusCode"] == 503
    assert ssm_of(many).calls == []
    enough = ShortContext(directory.CALL_SECONDS + 2 + 1)
    assert Browser(many, enough).get(f"{BASE_URL}/communities/consortium")["statusCode"] == 200


def test_the_function_builds_a_bounded_ssm_client() -> None:
    """default_services' SSM client: directory.CALL_SECONDS covers one call's worst case."""
    import inspect

    source = inspect.getsource(app.default_services)
    assert "connect_timeout=1" in source and "read_timeout=2" in source
    assert '"max_attempts": 2' in source
    assert directory.CALL_SECONDS >= 2 * (1 + 2)
