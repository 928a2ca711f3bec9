"""Fixtures of the cost handler tests: fake credentials for every test, moto for EC2, catalog
instances of a community, and a custom-resource request of the Cost stack."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def credentials(aws_credentials: None) -> None:
    """Every test here runs with fake credentials."""


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def launch() -> Callable[..., str]:
    """Launches an instance tagged with a community and owner, and by default with the catalog's
    product tag; returns its ID."""

    def launched(ec2: Any, *, community: str, owner: str, product: bool = True) -> str:
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        tags = [{"Key": "Community", "Value": community}, {"Key": "Owner", "Value": owner}]
        if product:
            tags.append({"Key": "research-catalog:product", "Value": "linux-docker"})
        instance = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.large",
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )["Instances"][0]
        return str(instance["InstanceId"])

    return launched


@pytest.fixture
def event() -> dict[str, Any]:
    """A Create of the Cost stack's custom resources."""
    return {
        "RequestType": "Create",
        "ResponseURL": "https://cloudformation-custom-resource-response.s3.amazonaws.com/signed",
        "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/research-catalog-dev-cost/x",
        "RequestId": "request-1",
        "LogicalResourceId": "Resource",
        "ResourceProperties": {"TagKeys": ["Community", "Owner"]},
    }
