"""What the ec2 family's templates create (Linux Docker, notebook, Windows)."""

from aws_cdk import Stack, aws_iam as iam

from catalog_constructs import contract
from catalog_constructs.catalog.launch_roles.statements import arn, stack_secrets
from catalog_constructs.common.iam import product_roles_arn
from catalog_constructs.shared.resources import SharedResources


def ec2_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    region_account = f"{stack.region}:{stack.account}"
    managed = {"Null": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "false"}}
    return [
        iam.PolicyStatement(
            sid="DescribeEc2",
            actions=[
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceStatus",
                "ec2:DescribeImages",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:DescribeVolumes",
                "ec2:DescribeVolumesModifications",
                "ec2:DescribeSnapshots",
                "ec2:DescribeTags",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="LaunchInstances",
            actions=["ec2:RunInstances", "ec2:CreateTags"],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:instance/*",
                f"arn:{stack.partition}:ec2:{region_account}:volume/*",
                f"arn:{stack.partition}:ec2:{region_account}:network-interface/*",
                f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                f"arn:{stack.partition}:ec2:{region_account}:subnet/*",
                f"arn:{stack.partition}:ec2:{region_account}:launch-template/*",
                f"arn:{stack.partition}:ec2:{stack.region}::image/*",
            ],
        ),
        iam.PolicyStatement(
            sid="ManageCatalogInstances",
            actions=[
                "ec2:TerminateInstances",
                "ec2:StopInstances",
                "ec2:StartInstances",
                "ec2:RebootInstances",
                "ec2:ModifyInstanceAttribute",
                "ec2:AssociateIamInstanceProfile",
                "ec2:DisassociateIamInstanceProfile",
                "ec2:ReplaceIamInstanceProfileAssociation",
                "ec2:DeleteTags",
            ],
            resources=[f"arn:{stack.partition}:ec2:{region_account}:instance/*"],
            conditions=managed,
        ),
        iam.PolicyStatement(
            # Data volumes: created, resized, tagged and, on termination, snapshotted then
            # deleted by CloudFormation (the product-context function attaches them).
            sid="DataVolumes",
            actions=[
                "ec2:CreateVolume",
                "ec2:ModifyVolume",
                "ec2:DeleteVolume",
                "ec2:CreateSnapshot",
            ],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:volume/*",
                f"arn:{stack.partition}:ec2:{stack.region}::snapshot/*",
            ],
        ),
        iam.PolicyStatement(
            sid="TagSnapshots",
            actions=["ec2:CreateTags"],
            resources=[f"arn:{stack.partition}:ec2:{stack.region}::snapshot/*"],
            conditions={"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}},
        ),
        iam.PolicyStatement(
            sid="SecurityGroupsAndLaunchTemplates",
            actions=[
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:CreateLaunchTemplate",
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplate",
                "ec2:ModifyLaunchTemplate",
            ],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                f"arn:{stack.partition}:ec2:{region_account}:security-group-rule/*",
                f"arn:{stack.partition}:ec2:{region_account}:vpc/*",
                f"arn:{stack.partition}:ec2:{region_account}:launch-template/*",
            ],
        ),
        iam.PolicyStatement(
            sid="EncryptVolumesWithCatalogKey",
            actions=[
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKeyWithoutPlaintext",
                "kms:ReEncryptFrom",
                "kms:ReEncryptTo",
            ],
            resources=[shared.ebs_key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"ec2.{stack.region}.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            # Volumes launched from the catalog's own AMIs are re-encrypted with the EBS key
            # from the images key of the account whose pipelines built them.
            sid="ReadCatalogImages",
            actions=[
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:ReEncryptFrom",
            ],
            resources=[
                f"arn:{stack.partition}:kms:{stack.region}:{shared.image_key_account}:key/*"
            ],
            conditions={
                "StringEquals": {
                    "kms:ViaService": f"ec2.{stack.region}.amazonaws.com",
                    f"aws:ResourceTag/{contract.IMAGES_KEY_TAG}": contract.IMAGES_KEY_TAG_VALUE,
                }
            },
        ),
        iam.PolicyStatement(
            sid="InstanceProfiles",
            actions=[
                "iam:CreateInstanceProfile",
                "iam:DeleteInstanceProfile",
                "iam:GetInstanceProfile",
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:UntagInstanceProfile",
            ],
            resources=[
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="instance-profile",
                    resource_name=contract.PRODUCT_ROLE_PATH.strip("/") + "/*",
                )
            ],
        ),
        iam.PolicyStatement(
            sid="PassRolesToInstances",
            actions=["iam:PassRole"],
            resources=[product_roles_arn(stack)],
            conditions={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="AssociateCloudWatchAgent",
            actions=["ssm:CreateAssociation"],
            resources=[
                arn(stack, "ssm", "document", contract.CLOUDWATCH_AGENT_DOCUMENT_NAME),
                f"arn:{stack.partition}:ec2:{region_account}:instance/*",
            ],
        ),
        iam.PolicyStatement(
            sid="TagAssociations",
            actions=["ssm:AddTagsToResource", "ssm:RemoveTagsFromResource"],
            resources=[arn(stack, "ssm", "association", "*")],
        ),
        iam.PolicyStatement(
            # ListAssociations takes no resource (Service Authorization Reference).
            sid="ListAssociations",
            actions=["ssm:ListAssociations"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ManageAssociations",
            actions=[
                "ssm:DeleteAssociation",
                "ssm:DescribeAssociation",
                "ssm:UpdateAssociation",
            ],
            resources=[
                arn(stack, "ssm", "association", "*"),
                arn(stack, "ssm", "document", contract.CLOUDWATCH_AGENT_DOCUMENT_NAME),
                f"arn:{stack.partition}:ec2:{region_account}:instance/*",
            ],
        ),
        iam.PolicyStatement(
            sid="IdleStopAlarms",
            actions=[
                "cloudwatch:PutMetricAlarm",
                "cloudwatch:DeleteAlarms",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:TagResource",
                "cloudwatch:UntagResource",
            ],
            resources=[
                f"arn:{stack.partition}:cloudwatch:{region_account}:alarm:"
                f"{contract.PROVISIONED_STACK_PREFIX}*"
            ],
        ),
        iam.PolicyStatement(
            # An alarm with an EC2 stop action is accepted only if its creator may stop the
            # instance and the alarm service-linked role exists.
            sid="AlarmStopActionRole",
            actions=["iam:CreateServiceLinkedRole"],
            resources=[
                stack.format_arn(
                    service="iam",
                    region="",
                    resource="role",
                    resource_name="aws-service-role/events.amazonaws.com/"
                    "AWSServiceRoleForCloudWatchEvents",
                )
            ],
            conditions={"StringEquals": {"iam:AWSServiceName": "events.amazonaws.com"}},
        ),
        *stack_secrets(stack, sid="OwnerCredentials", key=shared.credentials_key),
        iam.PolicyStatement(
            # Generated credentials: the call takes no resource.
            sid="GenerateCredentials",
            actions=["secretsmanager:GetRandomPassword"],
            resources=["*"],
        ),
    ]
