"""SageMaker Studio Team: the product template and its docs page's usage text."""

from pathlib import Path
from typing import cast

from aws_cdk import (
    Aws,
    CfnCondition,
    CfnDeletionPolicy,
    CfnOutput,
    CfnResource,
    CustomResource,
    Fn,
    Tags,
    aws_ec2 as ec2,
    aws_iam as iam,
    aws_kms as kms,
    aws_sagemaker as sagemaker,
    aws_servicecatalog as servicecatalog,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge, acknowledge_wildcard_resources
from catalog_constructs.contract import resolve_ssm
from catalog_constructs.product_template.bucket import PRIVATE, ProductBucket
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.launch_form import LaunchForm
from catalog_constructs.product_template.rendering import render_file
from products.studio_team.budget import add_team_budget, add_team_budget_output
from products.studio_team.definition import DEFINITION
from products.studio_team.form import (
    FORM,
    IDLE_MINUTES,
    INSTANCE_TYPES_PARAMETER,
    MAX_SPACE_STORAGE_GIB,
    MEMBERS,
    SPACE_STORAGE,
    TEAM_NAME,
    TRAINING_DATA,
)
from products.studio_team.policies import members_statements, training_data_document
from products.template import ProductTemplate

STUDIO_TEAM = "Custom::StudioTeam"


class StudioTeamProduct(servicecatalog.ProductStack):
    """The team's domain with its key, security group, execution role and scratch bucket; the
    shared ``Custom::StudioTeam`` handler keeps one user profile per member."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(
            scope, construct_id, description=f"{DEFINITION.display_name}: {DEFINITION.description}"
        )
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=DEFINITION.key)
        # The team's own tag: propagated by the domain to the apps and spaces members start,
        # and what the team budget counts.
        Tags.of(self).add(contract.STUDIO_TEAM_TAG, Aws.STACK_NAME)
        training_data = form.value(TRAINING_DATA.name)
        has_training_data = CfnCondition(
            self,
            "HasTrainingData",
            expression=Fn.condition_not(Fn.condition_equals(training_data, "")),
        )
        scratch = self._add_scratch_bucket(context)
        key = self._add_key()
        security_group = self._add_security_group()
        role = self._add_execution_role()
        domain = self._add_domain(form, context, key, security_group, role)
        self._grant_studio(
            role,
            domain,
            scratch,
            form.parameters[INSTANCE_TYPES_PARAMETER.name].value_as_list,
        )
        self._grant_training_data(role, training_data, has_training_data, context)
        team = self._add_team(form, context, domain, role, scratch, training_data)
        budget = add_team_budget(self, form, context)
        self._add_outputs(context, domain, scratch, team, training_data, has_training_data)
        add_team_budget_output(self, budget)

    def _add_scratch_bucket(self, context: ProductContext) -> ProductBucket:
        # Only this owner's execution role reaches it (tagged with the owner, under the
        # product path): the bucket function's owner-only policy admits exactly that.
        return ProductBucket(
            self,
            "Scratch",
            context=context,
            kind=PRIVATE,
            bucket_name=None,
            restrict_downloads="false",
        )

    def _add_key(self) -> kms.CfnKey:
        # A key per team, not the shared EBS key: that key is usable only through EC2, while
        # the domain encrypts its home file system through EFS and its spaces through
        # SageMaker. Retained like the home file system it encrypts.
        key = kms.CfnKey(
            self,
            "Key",
            description="SageMaker Studio team: home file system and space volumes",
            enable_key_rotation=True,
            pending_window_in_days=30,
            key_policy={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        # IAM policies decide: the launch role and SageMaker's grants.
                        "Sid": "AccountIamPolicies",
                        "Effect": "Allow",
                        "Principal": {
                            "AWS": Fn.sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
                        },
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
        )
        key.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN
        key.cfn_options.update_replace_policy = CfnDeletionPolicy.RETAIN
        return key

    def _add_security_group(self) -> ec2.CfnSecurityGroup:
        security_group = ec2.CfnSecurityGroup(
            self,
            "AppSecurityGroup",
            group_description="Studio apps - traffic between the team apps and HTTPS out",
            vpc_id=resolve_ssm(contract.VPC_ID_PARAMETER),
            security_group_egress=[
                ec2.CfnSecurityGroup.EgressProperty(
                    ip_protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_ip="0.0.0.0/0",
                    description="HTTPS to the VPC endpoints and the S3 gateway endpoint",
                )
            ],
        )
        # Studio requires apps to reach each other and the home file system (NFS) within
        # the group; nothing outside the group may connect in.
        ingress = ec2.CfnSecurityGroupIngress(
            self,
            "AppSecurityGroupIngress",
            group_id=security_group.attr_group_id,
            source_security_group_id=security_group.attr_group_id,
            ip_protocol="-1",
            description="Studio apps and home file system of this team",
        )
        acknowledge(
            ingress,
            ["HIPAA.Security-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedCommonPorts"],
            "The only source is this security group itself (the team's own Studio apps and home "
            "file system mount targets), which Studio requires; no address range may connect.",
        )
        ec2.CfnSecurityGroupEgress(
            self,
            "AppSecurityGroupEgress",
            group_id=security_group.attr_group_id,
            destination_security_group_id=security_group.attr_group_id,
            ip_protocol="-1",
            description="Studio apps and home file system of this team",
        )
        return security_group

    def _add_execution_role(self) -> iam.Role:
        return iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            path=contract.PRODUCT_ROLE_PATH,
            permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(
                self, "Boundary", contract.PRODUCT_ROLE_BOUNDARY_NAME
            ),
            description="SageMaker Studio team: members' apps; scratch bucket and training data",
        )

    def _add_domain(
        self,
        form: LaunchForm,
        context: ProductContext,
        key: kms.CfnKey,
        security_group: ec2.CfnSecurityGroup,
        role: iam.Role,
    ) -> sagemaker.CfnDomain:
        idle_shutdown = sagemaker.CfnDomain.AppLifecycleManagementProperty(
            idle_settings=sagemaker.CfnDomain.IdleSettingsProperty(
                lifecycle_management="ENABLED",
                idle_timeout_in_minutes=form.parameters[IDLE_MINUTES.name].value_as_number,
                min_idle_timeout_in_minutes=60,
                max_idle_timeout_in_minutes=720,
            )
        )
        return sagemaker.CfnDomain(
            self,
            "Domain",
            domain_name=Fn.join("-", [form.value(TEAM_NAME.name), Aws.STACK_NAME]),
            auth_mode="IAM",
            app_network_access_type="VpcOnly",
            vpc_id=resolve_ssm(contract.VPC_ID_PARAMETER),
            subnet_ids=Fn.split(",", context.subnet_ids),
            kms_key_id=key.attr_arn,
            # Tags on apps and spaces, so cost reports see the owner and community.
            tag_propagation="ENABLED",
            domain_settings=sagemaker.CfnDomain.DomainSettingsProperty(
                # CloudTrail and S3 logs name the member behind each use of the shared role.
                execution_role_identity_config="USER_PROFILE_NAME",
                security_group_ids=[security_group.attr_group_id],
            ),
            default_user_settings=sagemaker.CfnDomain.UserSettingsProperty(
                execution_role=role.role_arn,
                security_groups=[security_group.attr_group_id],
                studio_web_portal="ENABLED",
                default_landing_uri="studio::",
                jupyter_lab_app_settings=sagemaker.CfnDomain.JupyterLabAppSettingsProperty(
                    app_lifecycle_management=idle_shutdown
                ),
                code_editor_app_settings=sagemaker.CfnDomain.CodeEditorAppSettingsProperty(
                    app_lifecycle_management=idle_shutdown
                ),
                space_storage_settings=sagemaker.CfnDomain.DefaultSpaceStorageSettingsProperty(
                    default_ebs_storage_settings=sagemaker.CfnDomain.DefaultEbsStorageSettingsProperty(
                        default_ebs_volume_size_in_gb=form.parameters[
                            SPACE_STORAGE.name
                        ].value_as_number,
                        maximum_ebs_volume_size_in_gb=MAX_SPACE_STORAGE_GIB,
                    )
                ),
            ),
            default_space_settings=sagemaker.CfnDomain.DefaultSpaceSettingsProperty(
                execution_role=role.role_arn,
                security_groups=[security_group.attr_group_id],
            ),
        )

    def _grant_studio(
        self,
        role: iam.Role,
        domain: sagemaker.CfnDomain,
        scratch: ProductBucket,
        allowed_types: list[str],
    ) -> None:
        """The members' role: the scratch bucket, their own spaces and apps in this domain,
        and only the allowed instance types (policies.py)."""
        statements = members_statements(self, domain, scratch, allowed_types)
        for statement in statements:
            role.add_to_policy(statement)
        acknowledge_wildcard_resources(
            role,
            statements,
            "Scratch objects and the spaces, apps and profiles of this team's domain are named "
            "at runtime; SageMaker List calls support no resource scoping; the instance-type "
            "Deny applies everywhere on purpose; Studio names its log streams per app.",
        )
        acknowledge(
            role,
            ["HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"],
            "The policies are created and deleted with their role inside one provisioned "
            "product; inline policies keep that lifecycle and spare the launch role the right "
            "to create managed policies.",
        )

    def _grant_training_data(
        self,
        role: iam.Role,
        training_data: str,
        has_training_data: CfnCondition,
        context: ProductContext,
    ) -> None:
        """Read-only access to the training-data bucket, where the owner named one and the
        shared check accepted it: the owner's own bucket or one shared with their community
        (the same check as workstation bucket mounts), in this account."""
        check = CustomResource(
            self,
            "TrainingDataCheck",
            service_token=product_context_service_token(),
            resource_type="Custom::BucketMounts",
            properties={
                "ReadOnlyBuckets": [training_data],
                "ReadWriteBuckets": [],
                "OwnerAwsUserId": context.owner_aws_user_id,
                "Community": context.community,
                "ResolveKeys": "true",
            },
        )
        cast(CfnResource, check.node.default_child).cfn_options.condition = has_training_data
        training_policy = iam.CfnRolePolicy(
            self,
            "TrainingDataPolicy",
            role_name=role.role_name,
            policy_name="training-data-read-only",
            policy_document=training_data_document(self, check),
        )
        training_policy.cfn_options.condition = has_training_data

    def _add_team(
        self,
        form: LaunchForm,
        context: ProductContext,
        domain: sagemaker.CfnDomain,
        role: iam.Role,
        scratch: ProductBucket,
        training_data: str,
    ) -> CustomResource:
        """The members' user profiles, kept by the shared handler: named readably, and tagged
        with what a member needs of this product's outputs (the team, its buckets), which the
        catalog CLI shows them."""
        team = CustomResource(
            self,
            "Team",
            service_token=product_context_service_token(),
            resource_type=STUDIO_TEAM,
            properties={
                "DomainId": domain.attr_domain_id,
                "Members": form.value(MEMBERS.name),
                "OwnerAwsUserId": context.owner_aws_user_id,
                "ProfileNames": "readable",
                "TeamName": form.value(TEAM_NAME.name),
                "ScratchBucket": scratch.bucket.ref,
                "TrainingDataBucket": training_data,
            },
        )
        # Deleted before the domain and the role: its Delete empties the domain (apps,
        # spaces, profiles) while the members' role still exists.
        team.node.add_dependency(role)
        return team

    def _add_outputs(
        self,
        context: ProductContext,
        domain: sagemaker.CfnDomain,
        scratch: ProductBucket,
        team: CustomResource,
        training_data: str,
        has_training_data: CfnCondition,
    ) -> None:
        outputs = {
            "DomainId": (
                "Studio domain ID (members find it with python -m catalog_cli.studio --list)",
                domain.attr_domain_id,
            ),
            "StudioConsoleURI": (
                "The domain in the SageMaker console (open Studio with catalog_cli.studio)",
                Fn.sub(
                    "https://${AWS::Region}.console.aws.amazon.com/sagemaker/home"
                    "?region=${AWS::Region}#/studio/${Id}",
                    {"Id": domain.attr_domain_id},
                ),
            ),
            "ScratchBucket": ("The team's scratch bucket", scratch.bucket.ref),
            "TrainingDataBucket": (
                "The read-only training-data bucket, or none",
                Fn.condition_if(has_training_data.logical_id, training_data, "none").to_string(),
            ),
            "UserProfiles": (
                "The members' user profiles, comma-separated (each member opens their own with "
                "python -m catalog_cli.studio)",
                team.get_att_string("UserProfiles"),
            ),
            "Documentation": (
                "How to use this product",
                Fn.join("", [context.documentation_url, f"/products/{DEFINITION.key}.md"]),
            ),
        }
        for key_name, (description, value) in outputs.items():
            CfnOutput(self, f"{key_name}Output", key=key_name, description=description, value=value)


USAGE = render_file(Path(__file__).with_name("usage.md"))

TEMPLATE = ProductTemplate(
    definition=DEFINITION, stack_class=StudioTeamProduct, form=FORM, usage=USAGE
)
