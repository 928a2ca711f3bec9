"""Customer-managed KMS keys the catalog's products encrypt with."""

from aws_cdk import Duration, RemovalPolicy, Stack, aws_iam as iam, aws_kms as kms
from constructs import Construct


class CatalogKeys(Construct):
    """Two keys per stage: one for EBS volumes and snapshots, one for CloudWatch Logs.

    Separate keys keep the key policies narrow: the EBS key is usable only through EC2 in this
    account and region, the logs key only by the CloudWatch Logs service for this account's
    log groups. Keys are retained: deleting one makes every volume encrypted with it unreadable.
    """

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)

        self.ebs_key = kms.Key(
            self,
            "EbsKey",
            description="Research catalog: EBS volumes and snapshots of provisioned products",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
        )
        # Any principal of the account may use the key, but only through EC2: the launch role,
        # the service-action role and EC2 itself create grants when attaching volumes.
        self.ebs_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="UseThroughEc2InThisAccount",
                principals=[iam.AnyPrincipal()],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:DescribeKey",
                    "kms:CreateGrant",
                ],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "kms:CallerAccount": stack.account,
                        "kms:ViaService": f"ec2.{stack.region}.amazonaws.com",
                    }
                },
            )
        )

        self.logs_key = kms.Key(
            self,
            "LogsKey",
            description="Research catalog: CloudWatch Logs of the catalog and its products",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            pending_window=Duration.days(30),
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
