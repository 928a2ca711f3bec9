"""What the studio family's templates create (SageMaker Studio teams)."""

from aws_cdk import Stack, aws_iam as iam

from catalog_constructs import contract
from catalog_constructs.catalog.launch_roles.storage import storage_family
from catalog_constructs.common.iam import product_roles_arn
from catalog_constructs.shared.resources import SharedResources


def studio_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    # The team's scratch bucket is a storage-family bucket; this role holds no object
    # permission either.
    region_account = f"{stack.region}:{stack.account}"
    product_tagged = {"StringEquals": {f"aws:ResourceTag/{contract.PRODUCT_TAG}": "studio-team"}}
    return [
        *storage_family(stack, shared),
        iam.PolicyStatement(
            sid="StudioDomains",
            actions=[
                "sagemaker:CreateDomain",
                "sagemaker:UpdateDomain",
                "sagemaker:DeleteDomain",
                "sagemaker:DescribeDomain",
                "sagemaker:AddTags",
                "sagemaker:DeleteTags",
                "sagemaker:ListTags",
            ],
            resources=[f"arn:{stack.partition}:sagemaker:{region_account}:domain/*"],
        ),
        iam.PolicyStatement(
            # SageMaker creates the domain's home file system and its network interfaces
            # as the caller.
            sid="StudioNetworkAndFileSystem",
            actions=[
                "elasticfilesystem:CreateFileSystem",
                "elasticfilesystem:CreateMountTarget",
                "elasticfilesystem:DescribeFileSystems",
                "elasticfilesystem:DescribeMountTargets",
                "elasticfilesystem:TagResource",
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeRouteTables",
                "ec2:DescribeVpcEndpoints",
            ],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="StudioServiceLinkedRole",
            actions=["iam:CreateServiceLinkedRole"],
            resources=["*"],
            conditions={"StringEquals": {"iam:AWSServiceName": "sagemaker.amazonaws.com"}},
        ),
        iam.PolicyStatement(
            sid="StudioSecurityGroups",
            actions=[
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:CreateTags",
            ],
            resources=[
                f"arn:{stack.partition}:ec2:{region_account}:security-group/*",
                f"arn:{stack.partition}:ec2:{region_account}:security-group-rule/*",
                f"arn:{stack.partition}:ec2:{region_account}:vpc/*",
            ],
        ),
        iam.PolicyStatement(
            sid="StudioTeamKeys",
            actions=["kms:CreateKey"],
            resources=["*"],
            conditions={"StringEquals": {f"aws:RequestTag/{contract.PRODUCT_TAG}": "studio-team"}},
        ),
        iam.PolicyStatement(
            sid="UseStudioTeamKeys",
            actions=[
                "kms:DescribeKey",
                "kms:EnableKeyRotation",
                "kms:GetKeyPolicy",
                "kms:GetKeyRotationStatus",
                "kms:ListResourceTags",
                "kms:PutKeyPolicy",
                "kms:TagResource",
                "kms:UntagResource",
                "kms:UpdateKeyDescription",
                "kms:CreateGrant",
                "kms:Decrypt",
                "kms:GenerateDataKey",
                "kms:GenerateDataKeyWithoutPlaintext",
            ],
            resources=[f"arn:{stack.partition}:kms:{region_account}:key/*"],
            conditions=product_tagged,
        ),
        iam.PolicyStatement(
            sid="PassExecutionRolesToSageMaker",
            actions=["iam:PassRole"],
            resources=[product_roles_arn(stack)],
            conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
        # Each team's budget is named after its provisioned stack (SC-...): never a
        # community's budget (research-catalog-<stage>-<community>), which stays the Cost
        # stack's. Budgets authorizes CreateBudget, UpdateBudget and DeleteBudget as
        # ModifyBudget.
        iam.PolicyStatement(
            sid="StudioTeamBudgets",
            actions=[
                "budgets:ModifyBudget",
                "budgets:ViewBudget",
                "budgets:TagResource",
                "budgets:UntagResource",
                "budgets:ListTagsForResource",
            ],
            resources=[
                f"arn:{stack.partition}:budgets::{stack.account}:budget/"
                f"{contract.PROVISIONED_STACK_PREFIX}*"
            ],
        ),
    ]
