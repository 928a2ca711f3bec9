"""What the shared stack hands to the catalog stack (same account and region).

One frozen object instead of a growing list of keyword arguments: a product family that needs
another shared resource adds a field here and sets it in ``SharedStack.resources``.
"""

from dataclasses import dataclass

from aws_cdk import aws_iam as iam, aws_kms as kms


@dataclass(frozen=True, kw_only=True)
class SharedResources:
    product_role_boundary: iam.IManagedPolicy
    ebs_key: kms.IKey
    logs_key: kms.IKey
    vpc_id: str
    private_subnet_ids: list[str]
    # The account whose image pipelines build the AMIs products launch from (this one when
    # the stage builds its own or uses AWS's public images).
    image_key_account: str
    # Scheduled jobs: encrypts job secrets and alert topics.
    jobs_key: kms.IKey
    # Workstation sign-in credentials (OwnerCredential).
    credentials_key: kms.IKey
