"""What the team's execution role may do: the statements of its policies.

The members' apps all run as this one role; CloudTrail and S3 logs still name the member
(the domain sets the source identity to the user profile's name).
"""

from aws_cdk import (
    ArnFormat,
    CustomResource,
    Fn,
    Stack,
    aws_iam as iam,
    aws_sagemaker as sagemaker,
)

from catalog_constructs.product_template.bucket import ProductBucket

# Studio starts its own lightweight apps on the "system" instance type; denying it would
# break the Studio UI itself.
SYSTEM_INSTANCE_TYPE = "system"


def members_statements(
    stack: Stack, domain: sagemaker.CfnDomain, scratch: ProductBucket, allowed_types: list[str]
) -> list[iam.PolicyStatement]:
    """The scratch bucket, the members' own spaces and apps in this domain, and only the
    allowed instance types."""

    def sagemaker_arn(resource: str, name: str) -> str:
        return stack.format_arn(service="sagemaker", resource=resource, resource_name=name)

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
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name="/aws/sagemaker/studio:*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        ),
    ]
    return statements


def training_data_document(stack: Stack, check: CustomResource) -> iam.PolicyDocument:
    """Read-only access to the training-data bucket the owner named, once ``check`` (the
    shared ``Custom::BucketMounts`` check) accepted it as the owner's own or shared with the
    owner's community; only while the bucket belongs to this account; decrypting only with
    the bucket's own default key, through S3, for that bucket."""
    # One bucket: the check's lists hold one ARN each.
    bucket_arn = Fn.select(0, Fn.split(",", check.get_att_string("ReadOnlyBucketArns")))
    objects_arn = Fn.select(0, Fn.split(",", check.get_att_string("ReadOnlyObjectArns")))
    in_this_account = {"StringEquals": {"s3:ResourceAccount": stack.account}}
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="TrainingDataList",
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[bucket_arn],
                conditions=in_this_account,
            ),
            iam.PolicyStatement(
                sid="TrainingDataRead",
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[objects_arn],
                conditions=in_this_account,
            ),
            iam.PolicyStatement(
                sid="TrainingDataDecrypt",
                actions=["kms:Decrypt"],
                resources=Fn.split(",", check.get_att_string("ReadOnlyKeyArns")),
                conditions={
                    "StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": [bucket_arn, objects_arn]},
                },
            ),
        ]
    )
