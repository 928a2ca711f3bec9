"""What the storage family's templates create (private and Synapse buckets)."""

from aws_cdk import ArnFormat, Stack, aws_iam as iam

from catalog_constructs import contract
from catalog_constructs.catalog.launch_roles.statements import ONLY_THROUGH_CLOUDFORMATION
from catalog_constructs.shared.resources import SharedResources


def storage_family(stack: Stack, shared: SharedResources) -> list[iam.PolicyStatement]:
    # Bucket names are generated at launch or chosen by the owner: no pattern to scope to.
    # The bucket policy of every product bucket exempts this role (by its name) from the
    # owner-only deny, but this role holds no object permission.
    buckets = f"arn:{stack.partition}:s3:::*"
    return [
        iam.PolicyStatement(
            sid="ProductBuckets",
            actions=[
                "s3:CreateBucket",
                "s3:ListBucket",
                "s3:GetBucketLocation",
                "s3:GetBucketAcl",
                "s3:GetBucketPolicy",
                "s3:GetBucketPolicyStatus",
                "s3:GetBucketCORS",
                "s3:GetBucketTagging",
                "s3:PutBucketTagging",
                "s3:GetEncryptionConfiguration",
                "s3:PutEncryptionConfiguration",
                "s3:GetBucketPublicAccessBlock",
                "s3:PutBucketPublicAccessBlock",
                "s3:GetBucketOwnershipControls",
                "s3:PutBucketOwnershipControls",
                "s3:GetBucketVersioning",
                "s3:PutBucketVersioning",
                "s3:GetLifecycleConfiguration",
                "s3:PutLifecycleConfiguration",
                "s3:GetBucketLogging",
                "s3:PutBucketLogging",
                "s3:GetAccelerateConfiguration",
                "s3:GetAnalyticsConfiguration",
                "s3:GetBucketNotification",
                "s3:GetBucketObjectLockConfiguration",
                "s3:GetBucketWebsite",
                "s3:GetIntelligentTieringConfiguration",
                "s3:GetInventoryConfiguration",
                "s3:GetMetricsConfiguration",
                "s3:GetReplicationConfiguration",
            ],
            resources=[buckets],
        ),
        iam.PolicyStatement(
            # Only through CloudFormation: the function writes the policy of the bucket it is
            # sent, so nobody holding this role may call it directly.
            sid="InvokeBucketAccess",
            actions=["lambda:InvokeFunction"],
            resources=[
                stack.format_arn(
                    service="lambda",
                    resource="function",
                    resource_name=contract.BUCKET_ACCESS_FUNCTION_NAME,
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
            conditions=ONLY_THROUGH_CLOUDFORMATION,
        ),
    ]
