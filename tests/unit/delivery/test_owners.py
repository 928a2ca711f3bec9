"""delivery.owners: moving a provisioned product within its community, and the report of
products whose owner left; AWS answers stubbed (botocore Stubber; moto has no Service Catalog
search). That Service Catalog then shows the product to the new owner (OWNER) is AWS
behaviour no offline test can show."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import ANY, Stubber

from catalog_constructs import contract
from config import load_config
from delivery import owners

EXAMPLE = Path(__file__).resolve().parents[2] / "example_org" / "config"
ACCOUNT = "111111111111"
STACK = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/SC-{ACCOUNT}-pp-abc/1"
BIO_ROLE = "ResearchCatalogBiomedicalUsers"
NOW = 1_800_000_000.0
DAY = 86400


class Clients:
    """botocore clients with a Stubber each, created on first use."""

    def __init__(self) -> None:
        self.clients: dict[str, Any] = {}
        self.stubbers: dict[str, Stubber] = {}

    def __call__(self, name: str) -> Any:
        if name not in self.clients:
            client = botocore.session.get_session().create_client(
                name, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
            )
            self.clients[name], self.stubbers[name] = client, Stubber(client)
            self.stubbers[name].activate()
        return self.clients[name]

    def stub(self, name: str) -> Stubber:
        self(name)
        return self.stubbers[name]

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def config() -> Any:
    return load_config("dev", EXAMPLE)


@pytest.fixture
def clients() -> Clients:
    return Clients()


def provisioned(
    product_id: str = "pp-abc", role: str = BIO_ROLE, session: str = "jdoe", **extra: Any
) -> dict[str, Any]:
    return {
        "Id": product_id,
        "Name": "my-workstation",
        "Status": "AVAILABLE",
        "PhysicalId": STACK,
        "UserArn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "UserArnSession": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}",
        **extra,
    }


def search(clients: Clients, *products: dict[str, Any], query: Any = ANY) -> None:
    clients.stub("servicecatalog").add_response(
        "search_provisioned_products",
        {"ProvisionedProducts": list(products)},
        {
            "AccessLevelFilter": {"Key": "Account", "Value": "self"},
            "Filters": query,
            "PageSize": 100,
        },
    )


def stack_resources(clients: Clients, product_key: str) -> list[str]:
    arns = [
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0",
        f"arn:aws:iam::{ACCOUNT}:role/research-catalog/products/SC-abc-InstanceRole",
    ]
    clients.stub("resourcegroupstaggingapi").add_response(
        "get_resources",
        {
            "ResourceTagMappingList": [
                {"ResourceARN": arn, "Tags": [{"Key": contract.PRODUCT_TAG, "Value": product_key}]}
                for arn in arns
            ]
        },
        {
            "TagFilters": [{"Key": "aws:cloudformation:stack-id", "Values": [STACK]}],
            "ResourcesPerPage": 100,
        },
    )
    return arns


def stub_retagging(clients: Clients) -> str:
    """Every AWS answer of moving pp-abc to asmith, up to the transfer record; the new owner."""
    search(clients, provisioned(), query={"SearchQuery": ["id:pp-abc"]})
    arns = stack_resources(clients, "linux-docker")
    clients.stub("iam").add_response(
        "get_role",
        {
            "Role": {
                "Path": "/",
                "RoleName": BIO_ROLE,
                "RoleId": "AROAEXAMPLEID1234567",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/{BIO_ROLE}",
                "CreateDate": "2026-01-01T00:00:00Z",
            }
        },
        {"RoleName": BIO_ROLE},
    )
    new_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{BIO_ROLE}/asmith"
    tags = {
        contract.OWNER_TAG: "asmith",
        contract.OWNER_EMAIL_TAG: "asmith@example.org",
        contract.OWNER_PRINCIPAL_TAG: new_arn,
        contract.OWNER_USERID_TAG: "AROAEXAMPLEID1234567:asmith",
    }
    clients.stub("cloudformation").add_response(
        "list_stack_resources",
        {
            "StackResourceSummaries": [
                {
                    "LogicalResourceId": "InstanceRole",
                    "PhysicalResourceId": "SC-abc-InstanceRole",
                    "ResourceType": "AWS::IAM::Role",
                    "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
                    "ResourceStatus": "CREATE_COMPLETE",
                },
                {
                    "LogicalResourceId": "Instance",
                    "PhysicalResourceId": "i-0123456789abcdef0",
                    "ResourceType": "AWS::EC2::Instance",
                    "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
                    "ResourceStatus": "CREATE_COMPLETE",
                },
            ]
        },
        {"StackName": STACK},
    )
    clients.stub("resourcegroupstaggingapi").add_response(
        "tag_resources", {"FailedResourcesMap": {}}, {"ResourceARNList": arns[:2], "Tags": tags}
    )
    clients.stub("iam").add_response(
        "tag_role",
        {},
        {
            "RoleName": "SC-abc-InstanceRole",
            "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
        },
    )
    return new_arn


def test_a_workstation_moves_to_a_colleague_with_every_owner_tag(
    config: Any, clients: Clients
) -> None:
    new_arn = stub_retagging(clients)
    record = {
        "ProvisionedProductId": "pp-abc",
        "OwnerArn": new_arn,
        "PreviousOwnerArn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{BIO_ROLE}/jdoe",
        "TransferredAt": "2027-01-15T08:00:00+00:00",
        "TransferredBy": f"arn:aws:iam::{ACCOUNT}:user/operator",
    }
    clients.stub("ssm").add_response(
        "put_parameter",
        {"Version": 1},
        {
            "Name": "/research-catalog/owner-transfers/pp-abc",
            "Value": json.dumps(record, sort_keys=True),
            "Type": "String",
            "Overwrite": True,
            "Description": ANY,
        },
    )
    clients.stub("servicecatalog").add_response(
        "update_provisioned_product_properties",
        {"Status": "CREATED"},
        {
            "ProvisionedProductId": "pp-abc",
            "ProvisionedProductProperties": {"OWNER": new_arn},
            "IdempotencyToken": ANY,
        },
    )
    out = io.StringIO()

    new = owners.transfer(
        config,
        product_id="pp-abc",
        to="asmith",
        role=None,
        client=clients,
        out=out,
        operator=f"arn:aws:iam::{ACCOUNT}:user/operator",
        now=NOW,
    )

    assert new.arn == new_arn
    assert "now belongs to" in out.getvalue()
    assert "every update keeps the new owner from linux-docker v6 on" in out.getvalue()
    clients.assert_done()


def test_a_transfer_that_cannot_be_recorded_leaves_the_owner_in_service_catalog(
    config: Any, clients: Clients
) -> None:
    """The record is what later updates read: without it Service Catalog's owner stays, and
    the operator is told to run the command again."""
    stub_retagging(clients)
    clients.stub("ssm").add_client_error("put_parameter", "AccessDeniedException", "no")

    with pytest.raises(owners.OwnersError) as info:
        owners.transfer(
            config, product_id="pp-abc", to="asmith", role=None, client=clients, out=io.StringIO()
        )

    assert str(info.value) == (
        "could not record the transfer in /research-catalog/owner-transfers/pp-abc (AWS refused "
        "PutParameter: AccessDeniedException: no); the product is re-tagged but keeps its "
        "previous owner in Service Catalog: run the command again"
    )
    clients.assert_done()  # no OWNER change was asked for


def test_a_role_of_another_community_is_refused(config: Any, clients: Clients) -> None:
    search(clients, provisioned())

    with pytest.raises(owners.OwnersError) as info:
        owners.transfer(
            config,
            product_id="pp-abc",
            to="asmith",
            role="DataChallengeParticipants",
            client=clients,
            out=io.StringIO(),
        )

    assert str(info.value) == (
        "role 'DataChallengeParticipants' belongs to community 'challenge', not 'biomedical': a "
        "product moves only within its community; allowed roles: ResearchCatalogBiomedicalUsers"
    )
    # Nothing was re-tagged or reassigned.
    assert "resourcegroupstaggingapi" not in clients.clients


def test_a_bucket_product_is_refused_with_what_to_do(config: Any, clients: Clients) -> None:
    search(clients, provisioned())
    stack_resources(clients, "private-bucket")

    with pytest.raises(owners.OwnersError, match="its bucket policy names the owner"):
        owners.transfer(
            config, product_id="pp-abc", to="asmith", role=None, client=clients, out=io.StringIO()
        )


def test_a_sign_in_member_must_have_signed_in(config: Any, clients: Clients) -> None:
    role = contract.sign_in_role_name("consortium")
    search(clients, provisioned(role=role, session="3345678"))
    stack_resources(clients, "linux-docker")
    clients.stub("iam").add_response(
        "get_role",
        {
            "Role": {
                "Path": "/",
                "RoleName": role,
                "RoleId": "AROAEXAMPLEID7654321",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/{role}",
                "CreateDate": "2026-01-01T00:00:00Z",
            }
        },
    )
    clients.stub("dynamodb").add_response("get_item", {})

    with pytest.raises(owners.OwnersError, match="'3399999' has never signed in"):
        owners.transfer(
            config, product_id="pp-abc", to="3399999", role=None, client=clients, out=io.StringIO()
        )


def test_the_report_lists_owners_who_left(config: Any, clients: Clients) -> None:
    signin = contract.sign_in_role_name("consortium")
    search(
        clients,
        provisioned("pp-stays", session="jdoe"),
        provisioned("pp-gone-role", role="FormerProjectRole"),
        provisioned("pp-stale", role=signin, session="3345678"),
        provisioned("pp-fresh", role=signin, session="3300001"),
        provisioned("pp-never", role=signin, session="3300002"),
        query={},
    )
    dynamodb = clients.stub("dynamodb")
    dynamodb.add_response("get_item", {"Item": {"updated_at": {"N": str(NOW - 120 * DAY)}}})
    dynamodb.add_response("get_item", {"Item": {"updated_at": {"N": str(NOW - 3 * DAY)}}})
    dynamodb.add_response("get_item", {})

    rows = owners.departed(config, days=90, client=clients, now=NOW)

    assert [(row.product_id, row.reason) for row in rows] == [
        ("pp-gone-role", "role FormerProjectRole is in no community"),
        ("pp-stale", "no sign-in for 120 days"),
        ("pp-never", "no sign-in on record"),
    ]


def test_the_command_refuses_another_account_without_a_traceback(clients: Clients) -> None:
    clients.stub("sts").add_response(
        "get_caller_identity",
        {"Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/x", "UserId": "x"},
    )
    err = io.StringIO()

    status = owners.main(
        ["departed", "--stage", "dev"], client=clients, err=err, config_dir=EXAMPLE
    )

    assert status == 1
    assert err.getvalue().startswith("error: credentials are for account 999999999999")


def test_an_aws_refusal_is_one_line(clients: Clients) -> None:
    clients.stub("sts").add_response(
        "get_caller_identity",
        {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/x", "UserId": "x"},
    )
    clients.stub("servicecatalog").add_client_error(
        "search_provisioned_products", "AccessDeniedException", "not allowed"
    )
    err = io.StringIO()

    status = owners.main(
        ["transfer", "--stage", "dev", "--product-id", "pp-abc", "--to", "asmith"],
        client=clients,
        err=err,
        config_dir=EXAMPLE,
    )

    assert status == 1
    assert err.getvalue() == (
        "error: AWS refused SearchProvisionedProducts: AccessDeniedException: not allowed\n"
    )
