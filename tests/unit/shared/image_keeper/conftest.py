"""Fixtures of the image keeper tests: moto's EC2 (and SSM, through the same mock)."""

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws


@pytest.fixture
def ec2(aws_credentials: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ec2", region_name="us-east-1")
