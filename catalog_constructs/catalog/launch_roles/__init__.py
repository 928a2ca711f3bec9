"""Launch roles: what Service Catalog may do on a researcher's behalf, per product family.

A researcher never holds these permissions. Service Catalog assumes the role to create, update
and delete the product's stack, so the role must be able to build exactly what the family's
templates contain and nothing more. Roles it creates must live under the products path and
carry the product boundary, so no template can mint a more powerful role.
"""

from collections.abc import Callable, Sequence

from aws_cdk import ArnFormat, Stack, aws_iam as iam
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.catalog.launch_roles.ec2 import ec2_family
from catalog_constructs.catalog.launch_roles.jobs import jobs_family
from catalog_constructs.catalog.launch_roles.statements import ONLY_THROUGH_CLOUDFORMATION, arn
from catalog_constructs.catalog.launch_roles.storage import storage_family
from catalog_constructs.catalog.launch_roles.studio import studio_family
from catalog_constructs.common.iam import product_roles_arn, statements_per_policy
from catalog_constructs.common.nag import acknowledge_wildcard_resources
from catalog_constructs.shared.resources import SharedResources

# What each product family's templates create, beyond the stack operations every family needs.
FAMILY_STATEMENTS: dict[str, Callable[[Stack, SharedResources], list[iam.PolicyStatement]]] = {
    "ec2": ec2_family,
    "jobs": jobs_family,
    "storage": storage_family,
    "studio": studio_family,
}


class LaunchRole(Construct):
    """The launch role of one product family, named ``contract.launch_role_name(family)`` in
    the stage account and in every spoke account, so one LocalRoleName constraint serves all.

    ``product_template_bucket_arns``: buckets the product templates are read from besides
    Service Catalog's own copies (the stage's asset bucket; none in a spoke).
    ``portfolio_account``: the stage account, which owns the portfolios (in a spoke, another
    account than the role's own)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        family: str,
        shared: SharedResources,
        product_template_bucket_arns: Sequence[str] = (),
        portfolio_account: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        provisioned_stacks = arn(
            stack, "cloudformation", "stack", f"{contract.PROVISIONED_STACK_PREFIX}*"
        )
        region_account = f"{stack.region}:{stack.account}"

        self.role = iam.Role(
            self,
            "Role",
            role_name=contract.launch_role_name(family),
            # Only Service Catalog: the self-service actions run as their caller, not as this
            # role, which may act on every catalog instance. Service Catalog documents no
            # aws:SourceAccount for launch roles; where it sends one, it must be this account
            # or the portfolio's (IfExists: launches must not depend on it being sent).
            assumed_by=iam.ServicePrincipal(
                "servicecatalog.amazonaws.com",
                conditions={
                    "StringEqualsIfExists": {
                        "aws:SourceAccount": sorted(
                            {stack.account, portfolio_account or stack.account}
                        )
                    }
                },
            ),
            description=f"Service Catalog launch role for the {family} product family",
        )
        statements = [
            iam.PolicyStatement(
                sid="ProvisionedStacks",
                actions=[
                    "cloudformation:CreateStack",
                    "cloudformation:DeleteStack",
                    "cloudformation:DescribeStackEvents",
                    "cloudformation:DescribeStacks",
                    "cloudformation:DescribeStackResource",
                    "cloudformation:DescribeStackResources",
                    "cloudformation:GetTemplate",
                    "cloudformation:SetStackPolicy",
                    "cloudformation:UpdateStack",
                    "cloudformation:CreateChangeSet",
                    "cloudformation:DescribeChangeSet",
                    "cloudformation:ExecuteChangeSet",
                    "cloudformation:DeleteChangeSet",
                    "cloudformation:ListChangeSets",
                    "cloudformation:TagResource",
                    "cloudformation:UntagResource",
                ],
                resources=[provisioned_stacks],
            ),
            iam.PolicyStatement(
                sid="ValidateTemplates",
                actions=["cloudformation:ValidateTemplate", "cloudformation:GetTemplateSummary"],
                resources=["*"],
            ),
            *(
                [
                    iam.PolicyStatement(
                        sid="ReadProductTemplates",
                        actions=["s3:GetObject"],
                        resources=[f"{arn}/*" for arn in product_template_bucket_arns],
                    )
                ]
                if product_template_bucket_arns
                else []
            ),
            iam.PolicyStatement(
                # Service Catalog's own copy of each provisioning artifact.
                sid="ReadServiceCatalogTemplates",
                actions=["s3:GetObject"],
                resources=["*"],
                conditions={
                    "StringEquals": {"s3:ExistingObjectTag/servicecatalog:provisioning": "true"}
                },
            ),
            iam.PolicyStatement(
                sid="ResolveCatalogParameters",
                actions=["ssm:GetParameters", "ssm:GetParameter"],
                resources=[
                    arn(stack, "ssm", "parameter", contract.PARAMETER_ROOT.lstrip("/") + "/*")
                ],
            ),
            iam.PolicyStatement(
                # Only through CloudFormation (custom resources of the product templates): the
                # function acts on the IDs it is sent, so nobody holding this role may send
                # it others directly.
                sid="InvokeProductContext",
                actions=["lambda:InvokeFunction"],
                resources=[
                    stack.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=contract.PRODUCT_CONTEXT_FUNCTION_NAME,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
                conditions=ONLY_THROUGH_CLOUDFORMATION,
            ),
            iam.PolicyStatement(
                sid="ProductLogGroups",
                actions=[
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:PutRetentionPolicy",
                    "logs:DeleteRetentionPolicy",
                    "logs:AssociateKmsKey",
                    "logs:DisassociateKmsKey",
                    "logs:TagResource",
                    "logs:UntagResource",
                    "logs:TagLogGroup",
                    "logs:ListTagsForResource",
                ],
                resources=[
                    f"arn:{stack.partition}:logs:{region_account}:log-group:"
                    f"{contract.PROVISIONED_STACK_PREFIX}*"
                ],
            ),
            iam.PolicyStatement(
                sid="DescribeLogGroups",
                actions=["logs:DescribeLogGroups"],
                resources=[f"arn:{stack.partition}:logs:{region_account}:log-group:*"],
            ),
            iam.PolicyStatement(
                sid="ProductRolesWithBoundary",
                actions=[
                    "iam:CreateRole",
                    "iam:PutRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:PutRolePermissionsBoundary",
                ],
                resources=[product_roles_arn(stack)],
                conditions={
                    "StringEquals": {
                        "iam:PermissionsBoundary": shared.product_role_boundary.managed_policy_arn
                    }
                },
            ),
            iam.PolicyStatement(
                sid="ProductRolesLifecycle",
                actions=[
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:GetRolePolicy",
                    "iam:ListRolePolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:UpdateRoleDescription",
                ],
                resources=[product_roles_arn(stack)],
            ),
            *FAMILY_STATEMENTS[family](stack, shared),
            iam.PolicyStatement(
                # Service Catalog applies a launcher's tags (at launch and in tag updates) as
                # stack tags, which CloudFormation passes on to the product's resources: none
                # may be a reserved key (owner, community, archive state, sharing).
                sid="NoReservedStackTags",
                effect=iam.Effect.DENY,
                actions=[
                    "cloudformation:CreateStack",
                    "cloudformation:UpdateStack",
                    "cloudformation:CreateChangeSet",
                    "cloudformation:TagResource",
                    "cloudformation:UntagResource",
                ],
                resources=[provisioned_stacks],
                conditions={
                    "ForAnyValue:StringLike": {
                        "aws:TagKeys": list(contract.RESERVED_TAG_KEY_PATTERNS)
                    }
                },
            ),
        ]
        # As many managed policies as IAM's size limit needs (the ec2 family needs two).
        self.policies = [
            iam.ManagedPolicy(
                self,
                "Policy" if index == 0 else f"Policy{index + 1}",
                statements=group,
                roles=[self.role],
                description=f"Everything Service Catalog needs to build {family} products"
                + (f" (part {index + 1})" if index else ""),
            )
            for index, group in enumerate(statements_per_policy(stack, statements))
        ]
        self.policy = self.policies[0]
        for policy, group in zip(
            self.policies, statements_per_policy(stack, statements), strict=True
        ):
            acknowledge_wildcard_resources(
                policy,
                group,
                "Resources created by a product template get names only at launch, from the "
                "stack name Service Catalog chooses (SC-*) or from the product role path; each "
                "wildcard is bounded by account, region, that prefix or a tag condition. "
                "Describe calls and ValidateTemplate support no resource scoping.",
            )
