"""The stage's own KMS keys for volumes, logs and workstation credentials."""

from aws_cdk import Stack, aws_iam as iam
from constructs import Construct

from catalog_constructs.common.encryption import (
    DATA_KEY_USE,
    allow_use_through_service,
    catalog_key,
)


class CatalogKeys(Construct):
    """Keys per stage: EBS volumes and snapshots, CloudWatch Logs, workstation credentials.

    Separate keys keep the key policies narrow: the EBS key is usable only through EC2 in this
    account and region, the logs key only by the CloudWatch Logs service for this account's
    log groups, the credentials key only through Secrets Manager. Keys are retained: deleting
    one makes every volume encrypted with it unreadable.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.ebs_key = catalog_key(
            self,
            "EbsKey",
            description="Research catalog: EBS volumes and snapshots of provisioned products",
        )
        # The launch role, the service-action role and EC2 itself create grants when
        # attaching volumes.
        allow_use_through_service(
            self.ebs_key,
            sid="UseThroughEc2InThisAccount",
            service="ec2",
            actions=[*DATA_KEY_USE, "kms:CreateGrant"],
        )

        self.logs_key = catalog_key(
            self,
            "LogsKey",
            description="Research catalog: CloudWatch Logs of the catalog and its products",
        )
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
        self.logs_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                        )
                    }
                },
            )
        )

        self.credentials_key = catalog_key(
            self,
            "CredentialsKey",
            description="Research catalog: sign-in credentials workstations generate for owners",
        )
        # Each secret's resource policy decides who reads it (its owner and its instance).
        allow_use_through_service(
            self.credentials_key, sid="UseThroughSecretsManager", service="secretsmanager"
        )
