"""SageMaker Studio team: a VPC-only domain per team, a profile per member, a scratch bucket."""

from aws_cdk import (
    ArnFormat,
    Aws,
    CfnCondition,
    CfnDeletionPolicy,
    CfnOutput,
    CustomResource,
    Fn,
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
from catalog_constructs.product_template.bucket import BUCKET_NAME_PATTERN, PRIVATE, ProductBucket
from catalog_constructs.product_template.context import (
    ProductContext,
    product_context_service_token,
)
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from products.template import HTTPS_URL, ProductTemplate, SmokeTest

PRODUCT_KEY = "studio-team"
DISPLAY_NAME = "SageMaker Studio Team"
DESCRIPTION = (
    "A SageMaker Studio domain for your team in the catalog's private network: one user "
    "profile per member, a shared scratch bucket, read-only training data, allowed instance "
    "types only and idle apps shut down automatically."
)

# Curated: CPU types for notebooks and a few single-GPU types; multi-GPU types stay out so
# one click cannot start an instance that costs tens of dollars an hour.
INSTANCE_TYPES = (
    "ml.t3.medium",
    "ml.t3.large",
    "ml.t3.xlarge",
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.m5.2xlarge",
    "ml.m5.4xlarge",
    "ml.c5.xlarge",
    "ml.c5.2xlarge",
    "ml.r5.large",
    "ml.r5.xlarge",
    "ml.g4dn.xlarge",
    "ml.g5.xlarge",
    "ml.g5.2xlarge",
    "ml.g6.xlarge",
)
# Studio starts its own lightweight apps on the "system" instance type; denying it would
# break the Studio UI itself.
SYSTEM_INSTANCE_TYPE = "system"
MAX_SPACE_STORAGE_GIB = 100
MAX_MEMBERS = 20
# A member is named by the session name they sign in with (their user name in the identity
# provider); the profile name keeps only its letters, digits and hyphens.
MEMBER = r"[A-Za-z0-9+=.@_-]{2,64}"
STUDIO_TEAM = "Custom::StudioTeam"

TEAM_NAME = FormParameter(
    name="TeamName",
    label="Team name",
    description="Short name of the team, shown in the domain name and tags.",
    constraint_description=(
        "Enter 2 to 24 characters: lower-case letters, digits and hyphens, starting and "
        "ending with a letter or digit, e.g. team-alpha."
    ),
    allowed_pattern=r"^[a-z0-9][a-z0-9-]{0,22}[a-z0-9]$",
)
MEMBERS = FormParameter(
    name="Members",
    label="Members",
    description=(
        "The members' sign-in names (the session name the catalog shows as your Owner tag, "
        "e.g. jdoe or jane.doe@example.org), separated by commas. Each gets a user profile "
        "named after it, with '.', '@' and other symbols replaced by hyphens. Add or remove "
        "members later with Update; a removed member's apps, spaces and profile are deleted."
    ),
    constraint_description=(
        f"Enter 1 to {MAX_MEMBERS} sign-in names separated by commas without spaces, each 2 to "
        "64 characters of letters, digits and + = . @ _ -, e.g. jdoe,jane.doe@example.org."
    ),
    allowed_pattern=f"^{MEMBER}(,{MEMBER}){{0,{MAX_MEMBERS - 1}}}$",
)
TRAINING_DATA = FormParameter(
    name="TrainingDataBucket",
    label="Training-data bucket (optional)",
    description=(
        "Name of an existing bucket with training data the team may read (never write). "
        "Leave empty for none. The bucket's own policy must not deny the team's execution role."
    ),
    constraint_description=(
        "Leave empty, or enter an S3 bucket name: 3 to 63 lower-case letters, digits and "
        "hyphens, starting and ending with a letter or digit."
    ),
    default="",
    allowed_pattern=BUCKET_NAME_PATTERN,
    max_length=63,
)
INSTANCE_TYPES_PARAMETER = FormParameter(
    name="AllowedInstanceTypes",
    label="Allowed instance types",
    description=(
        "Instance types members may start JupyterLab and Code Editor spaces on, separated by "
        "commas. Starting any other type is refused. GPU types: ml.g4dn.xlarge, "
        "ml.g5.xlarge, ml.g5.2xlarge, ml.g6.xlarge."
    ),
    constraint_description=(
        "Choose one or more of: " + ", ".join(INSTANCE_TYPES) + " (comma-separated)."
    ),
    type="CommaDelimitedList",
    default="ml.t3.medium,ml.m5.large",
    allowed_values=INSTANCE_TYPES,
)
IDLE_MINUTES = FormParameter(
    name="IdleShutdownMinutes",
    label="Idle shutdown (minutes)",
    description=(
        "A JupyterLab or Code Editor space with no activity (kernels, terminals, editing) for "
        "this long is stopped automatically (files in the space stay)."
    ),
    constraint_description="Enter a whole number of minutes from 60 to 720.",
    type="Number",
    default="60",
    min_value=60,
    max_value=720,
)
SPACE_STORAGE = FormParameter(
    name="SpaceStorageGiB",
    label="Space storage (GiB)",
    description=(
        "Size of the encrypted disk of each new space, where a member's files live. Members "
        f"can grow a space's disk to {MAX_SPACE_STORAGE_GIB} GiB later."
    ),
    constraint_description=f"Enter a whole number of GiB from 5 to {MAX_SPACE_STORAGE_GIB}.",
    type="Number",
    default="5",
    min_value=5,
    max_value=MAX_SPACE_STORAGE_GIB,
)

FORM = (
    FormGroup(label="Team", parameters=(TEAM_NAME, MEMBERS, TRAINING_DATA)),
    FormGroup(
        label="Compute and costs",
        parameters=(INSTANCE_TYPES_PARAMETER, IDLE_MINUTES, SPACE_STORAGE),
    ),
)


class StudioTeamProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        training_data = form.value(TRAINING_DATA.name)
        has_training_data = CfnCondition(
            self,
            "HasTrainingData",
            expression=Fn.condition_not(Fn.condition_equals(training_data, "")),
        )

        # Only this owner's execution role reaches it (tagged with the owner, under the
        # product path): the bucket function's owner-only policy admits exactly that.
        scratch = ProductBucket(
            self,
            "Scratch",
            context=context,
            kind=PRIVATE,
            bucket_name=None,
            restrict_downloads="false",
        )

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

        role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            path=contract.PRODUCT_ROLE_PATH,
            permissions_boundary=iam.ManagedPolicy.from_managed_policy_name(
                self, "Boundary", contract.PRODUCT_ROLE_BOUNDARY_NAME
            ),
            description="SageMaker Studio team: members' apps; scratch bucket and training data",
        )

        idle_shutdown = sagemaker.CfnDomain.AppLifecycleManagementProperty(
            idle_settings=sagemaker.CfnDomain.IdleSettingsProperty(
                lifecycle_management="ENABLED",
                idle_timeout_in_minutes=form.parameters[IDLE_MINUTES.name].value_as_number,
                min_idle_timeout_in_minutes=60,
                max_idle_timeout_in_minutes=720,
            )
        )
        domain = sagemaker.CfnDomain(
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
        self._grant(
            role,
            domain,
            scratch,
            training_data,
            has_training_data,
            form.parameters[INSTANCE_TYPES_PARAMETER.name].value_as_list,
        )

        team = CustomResource(
            self,
            "Team",
            service_token=product_context_service_token(),
            resource_type=STUDIO_TEAM,
            properties={
                "DomainId": domain.attr_domain_id,
                "Members": form.value(MEMBERS.name),
                "OwnerAwsUserId": context.owner_aws_user_id,
            },
        )
        # Deleted before the domain and the role: its Delete empties the domain (apps,
        # spaces, profiles) while the members' role still exists.
        team.node.add_dependency(role)

        outputs = {
            "DomainId": (
                "Studio domain ID, for python -m catalog_cli.studio",
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
                "The members' user profiles, comma-separated",
                team.get_att_string("UserProfiles"),
            ),
            "Documentation": (
                "How to use this product",
                Fn.join("", [context.documentation_url, f"/products/{PRODUCT_KEY}.md"]),
            ),
        }
        for key_name, (description, value) in outputs.items():
            CfnOutput(self, f"{key_name}Output", key=key_name, description=description, value=value)

    def _grant(
        self,
        role: iam.Role,
        domain: sagemaker.CfnDomain,
        scratch: ProductBucket,
        training_data: str,
        has_training_data: CfnCondition,
        allowed_types: list[str],
    ) -> None:
        def sagemaker_arn(resource: str, name: str) -> str:
            return self.format_arn(service="sagemaker", resource=resource, resource_name=name)

        domain_id = domain.attr_domain_id
        in_domain = [
            sagemaker_arn(kind, Fn.join("/", [domain_id, "*"]))
            for kind in ("app", "space", "user-profile")
        ]
        statements = [
            iam.PolicyStatement(
                sid="ScratchReadWrite",
                actions=[
                    "s3:ListBucket",
                    "s3:GetBucketLocation",
                    "s3:ListBucketMultipartUploads",
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                resources=[scratch.bucket.attr_arn, Fn.join("", [scratch.bucket.attr_arn, "/*"])],
            ),
            # What the Studio UI does with the members' role: their own spaces and apps in
            # this domain, nothing in other domains.
            iam.PolicyStatement(
                sid="StudioInThisDomain",
                actions=[
                    "sagemaker:CreateApp",
                    "sagemaker:DeleteApp",
                    "sagemaker:DescribeApp",
                    "sagemaker:CreateSpace",
                    "sagemaker:UpdateSpace",
                    "sagemaker:DeleteSpace",
                    "sagemaker:DescribeSpace",
                    "sagemaker:DescribeUserProfile",
                    "sagemaker:AddTags",
                    "sagemaker:ListTags",
                ],
                resources=in_domain,
            ),
            iam.PolicyStatement(
                sid="DescribeThisDomain",
                actions=["sagemaker:DescribeDomain"],
                resources=[sagemaker_arn("domain", domain_id)],
            ),
            iam.PolicyStatement(
                sid="StudioLists",
                actions=[
                    "sagemaker:ListApps",
                    "sagemaker:ListSpaces",
                    "sagemaker:ListUserProfiles",
                    "sagemaker:ListDomains",
                ],
                resources=["*"],
            ),
            # A budget cannot be blown by one click: any other instance type is refused.
            iam.PolicyStatement(
                sid="OnlyAllowedInstanceTypes",
                effect=iam.Effect.DENY,
                actions=["sagemaker:CreateApp"],
                resources=["*"],
                conditions={
                    "ForAnyValue:StringNotLike": {
                        "sagemaker:InstanceTypes": Fn.split(
                            ",",
                            Fn.join(
                                ",",
                                [
                                    Fn.join(",", allowed_types),
                                    SYSTEM_INSTANCE_TYPE,
                                ],
                            ),
                        )
                    }
                },
            ),
            iam.PolicyStatement(
                sid="StudioLogs",
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="/aws/sagemaker/studio:*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
        ]
        for statement in statements:
            role.add_to_policy(statement)

        training_arn = Fn.sub("arn:${AWS::Partition}:s3:::${Bucket}", {"Bucket": training_data})
        training_document = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    sid="TrainingDataReadOnly",
                    actions=[
                        "s3:ListBucket",
                        "s3:GetBucketLocation",
                        "s3:GetObject",
                        "s3:GetObjectVersion",
                    ],
                    resources=[training_arn, Fn.join("", [training_arn, "/*"])],
                ),
                # Objects encrypted with a customer key: decrypt only for this bucket via S3.
                iam.PolicyStatement(
                    sid="TrainingDataDecrypt",
                    actions=["kms:Decrypt"],
                    resources=[self.format_arn(service="kms", resource="key", resource_name="*")],
                    conditions={
                        "StringEquals": {"kms:ViaService": f"s3.{self.region}.amazonaws.com"},
                        "StringLike": {
                            "kms:EncryptionContext:aws:s3:arn": [
                                training_arn,
                                Fn.join("", [training_arn, "/*"]),
                            ]
                        },
                    },
                ),
            ]
        )
        training_policy = iam.CfnRolePolicy(
            self,
            "TrainingDataPolicy",
            role_name=role.role_name,
            policy_name="training-data-read-only",
            policy_document=training_document,
        )
        training_policy.cfn_options.condition = has_training_data

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


USAGE = r"""
## Open Studio

A Studio link is valid for five minutes, so the product has no link output. Each member opens
Studio with their own catalog credentials and the `catalog_cli.studio` command of the catalog
repository (needs Python and boto3):

```bash
python -m catalog_cli.studio --domain <DomainId> --profile <your profile from UserProfiles>
python -m catalog_cli.studio --domain <DomainId> --profile <profile> --print  # print the link
```

The catalog lets you create a link only for **your own** profile: each profile is tagged with
its member's identity (`research-catalog:member-userid` = the role and session the member
signs in with) and the community policy compares that tag with your `aws:userid`. Members
must therefore sign in through the same community role as the person who launched the
product; a member who signs in through another role gets *AccessDenied*. The SageMaker console's
*Open Studio* button makes the same call and works under the same rule.

## Where files live, and moving them

- **Your space's disk** (`/home/sagemaker-user` in JupyterLab): only you. Kept while the
  space is stopped (idle shutdown stops it); deleted with your profile or the product.
- **Scratch bucket** (`ScratchBucket`): the whole team, from Studio. Archived when the product
  is terminated, then purged after the archive period.
- **Training data** (`TrainingDataBucket`): the whole team, read-only. Not managed here.

From a JupyterLab terminal (Studio uses the team's execution role):

```bash
aws s3 cp s3://<TrainingDataBucket>/train/ ./data/ --recursive      # training data -> your space
aws s3 cp results/ s3://<ScratchBucket>/<your-name>/results/ --recursive   # your space -> scratch
aws s3 sync s3://<ScratchBucket>/shared/ ./shared/                    # scratch -> your space
```

Writing to the training-data bucket is refused. The scratch bucket is reachable only through
Studio (the team's execution role) and by the person who launched the product with their own
credentials; other members upload from their computers by uploading files into JupyterLab
and copying them from there. Every access through Studio is logged with the member's profile
name (source identity).

## Costs

Spaces can be started only on the instance types chosen at launch (`AllowedInstanceTypes`);
any other type is refused when the space starts. A JupyterLab or Code Editor space idle for
`IdleShutdownMinutes` is stopped; its disk stays and costs storage only. Stop spaces you do
not need from the Studio home page.

## Network

Studio runs in VPC-only mode on the catalog's private subnets: apps reach AWS through the
catalog's VPC endpoints and S3 gateway endpoint, and have no internet access unless the
catalog network has a NAT gateway (then `pip install` works; otherwise use the bucket).

## When you terminate the product

Every app, space and user profile of the domain is deleted first (files on space disks go
with them: copy what you need to the scratch bucket), then the domain. The domain's home file
system (EFS) is **kept**: CloudFormation deletes a domain with SageMaker's default retention,
which retains it, and its KMS key is retained with it, so an operator can recover files. The
scratch bucket is archived and purged after the archive period like every catalog bucket.
"""

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="StudioTeam",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=StudioTeamProduct,
    form=FORM,
    usage=USAGE,
    # One member, no training data, the cheapest instance type: the domain costs nothing
    # while no space runs.
    smoke_test=SmokeTest(
        parameters={
            "TeamName": "smoke-test",
            "Members": "smoke-test",
            "AllowedInstanceTypes": "ml.t3.medium",
        },
        outputs={
            "DomainId": r"d-[a-z0-9]{12}",
            "StudioConsoleURI": HTTPS_URL,
            "ScratchBucket": r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
            "TrainingDataBucket": "none",
            "UserProfiles": "smoke-test",
            "Documentation": HTTPS_URL,
        },
    ),
)
