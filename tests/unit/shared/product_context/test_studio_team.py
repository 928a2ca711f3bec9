"""Custom::StudioTeam on the shared product-context function: profiles and teardown.

moto implements little of SageMaker Studio, so these use botocore's Stubber.
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from catalog_constructs.shared.product_context.handler.product_context_handlers import (
    common,
    dispatch,
    studio_team,
)
from catalog_constructs.shared.product_context.handler.product_context_handlers.deadline import (
    ANSWER_MARGIN_SECONDS,
    Deadline,
    DeadlineExceeded,
)
from tests.unit.clock import LambdaContext, SimulatedClock

DOMAIN = "d-abcdefghijkl"
OWNER = "AROAEXAMPLEROLEID:owner"


@pytest.fixture
def sagemaker(stubbed: Callable[[str], tuple[Any, Stubber]]) -> Iterator[tuple[Any, Stubber]]:
    client, stubber = stubbed("sagemaker")
    with stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def deadline(seconds: float = 600) -> tuple[Deadline, SimulatedClock]:
    """A deadline ``seconds`` away, on a simulated clock."""
    clock = SimulatedClock()
    context = LambdaContext().run_with(clock, remaining_seconds=seconds + ANSWER_MARGIN_SECONDS)
    return Deadline(context, sleep=clock.sleep), clock


def event(members: str, request_type: str = "Create") -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResourceType": studio_team.RESOURCE_TYPE,
        "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/SC-1-pp-x/guid",
        "RequestId": "r1",
        "LogicalResourceId": "Team",
        "ResponseURL": "https://example.com/response",
        "ResourceProperties": {"DomainId": DOMAIN, "Members": members, "OwnerAwsUserId": OWNER},
    }


def profiles(*names: str, token: str | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "UserProfiles": [
            {"DomainId": DOMAIN, "UserProfileName": n, "Status": "InService"} for n in names
        ]
    }
    if token:
        response["NextToken"] = token
    return response


def test_profile_names_keep_letters_digits_and_hyphens() -> None:
    assert studio_team.profile_name("jane.doe@example.org") == "jane-doe-example-org"
    assert studio_team.profile_name("_x_") == "x"
    assert len(studio_team.profile_name("a" * 64)) == 63


def test_members_mapping_to_one_profile_are_refused() -> None:
    with pytest.raises(common.ProductContextError, match="both map to the Studio user profile"):
        studio_team.team_members({"Members": "jane.doe,jane-doe"})
    with pytest.raises(common.ProductContextError, match="at least one member"):
        studio_team.team_members({"Members": ""})
    assert studio_team.team_members({"Members": "a1,a1"}) == {"a1": "a1"}


def test_create_makes_one_tagged_profile_per_new_member(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_response("list_user_profiles", profiles("jdoe"), {"DomainIdEquals": DOMAIN})
    stubber.add_response(
        "create_user_profile",
        {"UserProfileArn": "arn:aws:sagemaker:us-east-1:111111111111:user-profile/d/x"},
        {
            "DomainId": DOMAIN,
            "UserProfileName": "jane-doe-example-org",
            "Tags": [
                {
                    "Key": studio_team.MEMBER_USERID_TAG,
                    "Value": "AROAEXAMPLEROLEID:jane.doe@example.org",
                },
                {"Key": "research-catalog:product", "Value": "studio-team"},
                {"Key": "research-catalog:owner-userid", "Value": OWNER},
            ],
        },
    )
    wait, _ = deadline()
    physical_id, data = studio_team.sync_team(
        event("jdoe,jane.doe@example.org"), sagemaker=client, deadline=wait
    )
    assert physical_id == f"{DOMAIN}/team"
    assert data == {"UserProfiles": "jane-doe-example-org,jdoe"}


def test_an_iam_user_owner_is_refused(sagemaker: tuple[Any, Stubber]) -> None:
    client, _ = sagemaker
    request = event("jdoe")
    request["ResourceProperties"]["OwnerAwsUserId"] = "AIDAEXAMPLEUSER"
    wait, _ = deadline()
    with pytest.raises(common.ProductContextError, match="community role session"):
        studio_team.sync_team(request, sagemaker=client, deadline=wait)


def test_update_removes_a_members_apps_spaces_and_profile(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_response("list_user_profiles", profiles("jdoe", "gone"), {"DomainIdEquals": DOMAIN})
    gone_app = {
        "DomainId": DOMAIN,
        "SpaceName": "gone-space",
        "AppType": "JupyterLab",
        "AppName": "default",
        "Status": "InService",
    }
    other_app = {**gone_app, "SpaceName": "jdoe-space", "AppName": "other"}
    space = {
        "DomainId": DOMAIN,
        "SpaceName": "gone-space",
        "Status": "InService",
        "OwnershipSettingsSummary": {"OwnerUserProfileName": "gone"},
    }
    other_space = {
        **space,
        "SpaceName": "jdoe-space",
        "OwnershipSettingsSummary": {"OwnerUserProfileName": "jdoe"},
    }
    # The member's apps are found through the spaces they own; jdoe's app stays.
    stubber.add_response(
        "list_spaces", {"Spaces": [space, other_space]}, {"DomainIdEquals": DOMAIN}
    )
    stubber.add_response("list_apps", {"Apps": [gone_app, other_app]}, {"DomainIdEquals": DOMAIN})
    stubber.add_response(
        "delete_app",
        {},
        {
            "DomainId": DOMAIN,
            "AppType": "JupyterLab",
            "AppName": "default",
            "SpaceName": "gone-space",
        },
    )
    stubber.add_response(
        "list_spaces", {"Spaces": [space, other_space]}, {"DomainIdEquals": DOMAIN}
    )
    stubber.add_response(
        "list_apps",
        {"Apps": [{**gone_app, "Status": "Deleted"}, other_app]},
        {"DomainIdEquals": DOMAIN},
    )
    stubber.add_response(
        "list_spaces", {"Spaces": [space, other_space]}, {"DomainIdEquals": DOMAIN}
    )
    stubber.add_response("delete_space", {}, {"DomainId": DOMAIN, "SpaceName": "gone-space"})
    stubber.add_response("list_spaces", {"Spaces": []}, {"DomainIdEquals": DOMAIN})
    stubber.add_response("delete_user_profile", {}, {"DomainId": DOMAIN, "UserProfileName": "gone"})
    stubber.add_response("list_user_profiles", profiles("jdoe"), {"DomainIdEquals": DOMAIN})
    wait, _ = deadline()
    _, data = studio_team.sync_team(event("jdoe", "Update"), sagemaker=client, deadline=wait)
    assert data == {"UserProfiles": "jdoe"}


def test_teardown_paginates_waits_and_deletes_everything(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    app = {
        "DomainId": DOMAIN,
        "SpaceName": "s1",
        "AppType": "JupyterLab",
        "AppName": "default",
        "Status": "InService",
    }
    profile_app = {**app, "UserProfileName": "jdoe", "AppType": "JupyterServer"}
    del profile_app["SpaceName"]
    stubber.add_response("list_apps", {"Apps": [app], "NextToken": "t"}, {"DomainIdEquals": DOMAIN})
    stubber.add_response(
        "list_apps", {"Apps": [profile_app]}, {"DomainIdEquals": DOMAIN, "NextToken": "t"}
    )
    stubber.add_response(
        "delete_app",
        {},
        {"DomainId": DOMAIN, "AppType": "JupyterLab", "AppName": "default", "SpaceName": "s1"},
    )
    stubber.add_response(
        "delete_app",
        {},
        {
            "DomainId": DOMAIN,
            "AppType": "JupyterServer",
            "AppName": "default",
            "UserProfileName": "jdoe",
        },
    )
    # Still deleting once, then gone: the handler waits instead of failing.
    stubber.add_response(
        "list_apps", {"Apps": [{**app, "Status": "Deleting"}]}, {"DomainIdEquals": DOMAIN}
    )
    stubber.add_response(
        "list_apps", {"Apps": [{**app, "Status": "Deleted"}]}, {"DomainIdEquals": DOMAIN}
    )
    space = {"DomainId": DOMAIN, "SpaceName": "s1", "Status": "InService"}
    stubber.add_response("list_spaces", {"Spaces": [space]}, {"DomainIdEquals": DOMAIN})
    stubber.add_response("delete_space", {}, {"DomainId": DOMAIN, "SpaceName": "s1"})
    stubber.add_response("list_spaces", {"Spaces": []}, {"DomainIdEquals": DOMAIN})
    stubber.add_response("list_user_profiles", profiles("jdoe", "ann"), {"DomainIdEquals": DOMAIN})
    stubber.add_response("delete_user_profile", {}, {"DomainId": DOMAIN, "UserProfileName": "jdoe"})
    stubber.add_client_error(
        "delete_user_profile",
        "ResourceNotFound",
        expected_params={"DomainId": DOMAIN, "UserProfileName": "ann"},
    )
    stubber.add_response("list_user_profiles", profiles(), {"DomainIdEquals": DOMAIN})
    wait, clock = deadline()
    studio_team.teardown_team(DOMAIN, sagemaker=client, deadline=wait)
    assert clock.sleeps == [10]


def test_teardown_gives_up_before_the_lambda_times_out(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    app = {
        "DomainId": DOMAIN,
        "SpaceName": "s1",
        "AppType": "JupyterLab",
        "AppName": "stuck",
        "Status": "Deleting",
    }
    for _ in range(4):
        stubber.add_response("list_apps", {"Apps": [app]}, {"DomainIdEquals": DOMAIN})
    wait, clock = deadline(seconds=25)
    with pytest.raises(
        DeadlineExceeded, match=r"timed out waiting for apps to be deleted \(stuck\)"
    ):
        studio_team.teardown_team(DOMAIN, sagemaker=client, deadline=wait)
    assert clock.now <= 25


def test_teardown_of_a_vanished_domain_succeeds(sagemaker: tuple[Any, Stubber]) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "list_apps", "ResourceNotFound", expected_params={"DomainIdEquals": DOMAIN}
    )
    wait, _ = deadline()
    studio_team.teardown_team(DOMAIN, sagemaker=client, deadline=wait)


def test_delete_reports_failure_when_the_domain_cannot_be_emptied(
    sagemaker: tuple[Any, Stubber], captured: Any
) -> None:
    client, stubber = sagemaker
    stubber.add_client_error(
        "list_apps", "ThrottlingException", expected_params={"DomainIdEquals": DOMAIN}
    )
    dispatch.handler(
        event("jdoe", "Delete") | {"PhysicalResourceId": f"{DOMAIN}/team"},
        None,
        send=captured,
        client=lambda name: client,
        sleep=lambda seconds: None,
    )
    (response,) = captured.bodies
    assert response["Status"] == "FAILED"
    assert DOMAIN in response["Reason"]
    assert response["PhysicalResourceId"] == f"{DOMAIN}/team"


def test_create_through_the_handler_returns_the_profiles(
    sagemaker: tuple[Any, Stubber], captured: Any
) -> None:
    client, stubber = sagemaker
    stubber.add_response("list_user_profiles", profiles("jdoe"), {"DomainIdEquals": DOMAIN})
    dispatch.handler(
        event("jdoe"),
        None,
        send=captured,
        client=lambda name: client,
    )
    (response,) = captured.bodies
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {"UserProfiles": "jdoe"}


def test_delete_waits_only_as_long_as_the_lambda_has_left(
    sagemaker: tuple[Any, Stubber], captured: Any, lambda_context: Any
) -> None:
    client, stubber = sagemaker
    app = {
        "DomainId": DOMAIN,
        "SpaceName": "s1",
        "AppType": "JupyterLab",
        "AppName": "stuck",
        "Status": "Deleting",
    }
    for _ in range(2):
        stubber.add_response("list_apps", {"Apps": [app]}, {"DomainIdEquals": DOMAIN})
    # A minute is kept to answer CloudFormation: 65 s left leave no time for a 10 s poll.
    lambda_context.remaining_ms = 65_000
    dispatch.handler(
        event("jdoe", "Delete") | {"PhysicalResourceId": f"{DOMAIN}/team"},
        lambda_context,
        send=captured,
        client=lambda name: client,
        sleep=lambda seconds: pytest.fail("slept past the deadline"),
    )
    assert captured.only["Status"] == "FAILED"
    assert "timed out waiting for apps to be deleted (stuck)" in captured.only["Reason"]
