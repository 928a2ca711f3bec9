"""The bucket of a bucket product: one construct for every product that holds research data."""

from aws_cdk import (
    CfnCondition,
    CfnDeletionPolicy,
    CfnOutput,
    CustomResource,
    Fn,
    aws_s3 as s3,
)
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.common.nag import acknowledge
from catalog_constructs.contract import resolve_ssm
from catalog_constructs.product_template.context import ProductContext

PRIVATE = "private"
SYNAPSE = "synapse"
KEY_PARAMETERS = {
    PRIVATE: contract.BUCKET_KEY_ARN_PARAMETER,
    SYNAPSE: contract.SYNAPSE_BUCKET_KEY_ARN_PARAMETER,
}
ABORT_MULTIPART_DAYS = 7
POLICY_REVISION = "2"
# Deleted and overwritten files stay recoverable this long, then stop costing money.
NONCURRENT_VERSION_DAYS = 90

# S3 naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
# without dots: a dotted name breaks TLS for virtual-hosted requests.
BUCKET_NAME_PATTERN = (
    r"^$|^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"
    r"(?<!-s3alias)(?<!--ol-s3)(?<!--x-s3)(?<!--table-s3)$"
)
BUCKET_NAME_CONSTRAINT = (
    "Leave empty for a generated name, or enter 3 to 63 characters: lower-case letters, "
    "digits and hyphens, starting and ending with a letter or digit; not starting with "
    "'xn--', 'sthree-' or 'amzn-s3-demo-' and not ending with '-s3alias', '--ol-s3', "
    "'--x-s3' or '--table-s3'. Bucket names are global: if a name is taken in any AWS "
    "account, the launch fails and you can choose another."
)


class ProductBucket(Construct):
    """An owner-only, KMS-encrypted, versioned bucket that outlives its product.

    CloudFormation retains the bucket on stack deletion and replacement; its policy belongs
    to the shared ``research-catalog-bucket-access`` function (``Custom::ProductBucket``),
    which writes the owner-only policy at launch and on update and archives the bucket when
    the product is terminated. The policy depends on stage configuration (administrator
    roles, the Synapse account), which must not appear in a product template.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        context: ProductContext,
        kind: str,
        bucket_name: str | None,
        restrict_downloads: str,
        synapse_ids: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        name: str | None = None
        if bucket_name is not None:
            has_name = CfnCondition(
                self,
                "HasBucketName",
                expression=Fn.condition_not(Fn.condition_equals(bucket_name, "")),
            )
            name = Fn.condition_if(
                has_name.logical_id, bucket_name, Fn.ref("AWS::NoValue")
            ).to_string()
        self.bucket = s3.CfnBucket(
            self,
            "Bucket",
            # None: always a generated name (products that offer no name choice).
            bucket_name=name,
            bucket_encryption=s3.CfnBucket.BucketEncryptionProperty(
                server_side_encryption_configuration=[
                    s3.CfnBucket.ServerSideEncryptionRuleProperty(
                        bucket_key_enabled=True,
                        server_side_encryption_by_default=s3.CfnBucket.ServerSideEncryptionByDefaultProperty(
                            sse_algorithm="aws:kms",
                            kms_master_key_id=resolve_ssm(KEY_PARAMETERS[kind]),
                        ),
                    )
                ]
            ),
            public_access_block_configuration=s3.CfnBucket.PublicAccessBlockConfigurationProperty(
                block_public_acls=True,
                block_public_policy=True,
                ignore_public_acls=True,
                restrict_public_buckets=True,
            ),
            ownership_controls=s3.CfnBucket.OwnershipControlsProperty(
                rules=[
                    s3.CfnBucket.OwnershipControlsRuleProperty(
                        object_ownership="BucketOwnerEnforced"
                    )
                ]
            ),
            versioning_configuration=s3.CfnBucket.VersioningConfigurationProperty(status="Enabled"),
            lifecycle_configuration=s3.CfnBucket.LifecycleConfigurationProperty(
                rules=[
                    s3.CfnBucket.RuleProperty(
                        id="IntelligentTiering",
                        status="Enabled",
                        transitions=[
                            s3.CfnBucket.TransitionProperty(
                                storage_class="INTELLIGENT_TIERING", transition_in_days=0
                            )
                        ],
                    ),
                    s3.CfnBucket.RuleProperty(
                        id="AbortIncompleteMultipartUploads",
                        status="Enabled",
                        abort_incomplete_multipart_upload=s3.CfnBucket.AbortIncompleteMultipartUploadProperty(
                            days_after_initiation=ABORT_MULTIPART_DAYS
                        ),
                    ),
                    s3.CfnBucket.RuleProperty(
                        id="ExpireOldVersions",
                        status="Enabled",
                        noncurrent_version_expiration=s3.CfnBucket.NoncurrentVersionExpirationProperty(
                            noncurrent_days=NONCURRENT_VERSION_DAYS
                        ),
                    ),
                ]
            ),
            logging_configuration=s3.CfnBucket.LoggingConfigurationProperty(
                destination_bucket_name=resolve_ssm(contract.ACCESS_LOG_BUCKET_PARAMETER),
                # Logs land under <account>/<region>/<bucket>/<date>/: no per-bucket prefix
                # needed, and a generated name is unknown before the bucket exists.
                target_object_key_format=s3.CfnBucket.TargetObjectKeyFormatProperty(
                    partitioned_prefix=s3.CfnBucket.PartitionedPrefixProperty(
                        partition_date_source="EventTime"
                    )
                ),
            ),
        )
        # Research data survives termination and any update that would replace the bucket;
        # the purge function deletes it after the archive period.
        self.bucket.cfn_options.deletion_policy = CfnDeletionPolicy.RETAIN
        self.bucket.cfn_options.update_replace_policy = CfnDeletionPolicy.RETAIN
        acknowledge(
            self.bucket,
            [
                "AwsSolutions-S10",
                "HIPAA.Security-S3BucketSSLRequestsOnly",
                "NIST.800.53.R5-S3BucketSSLRequestsOnly",
            ],
            "The TLS-only deny is part of the bucket policy Custom::ProductBucket writes (the "
            "policy also carries stage configuration, which a product template must not).",
        )
        acknowledge(
            self.bucket,
            [
                "HIPAA.Security-S3BucketReplicationEnabled",
                "NIST.800.53.R5-S3BucketReplicationEnabled",
            ],
            "Versioning protects against deletion and overwrites; cross-region replication "
            "would copy research data out of the region its owner chose.",
        )

        properties: dict[str, object] = {
            "BucketName": self.bucket.ref,
            "Kind": kind,
            "OwnerAwsUserId": context.owner_aws_user_id,
            "RestrictDownloadsToRegion": restrict_downloads,
            # Read by nobody: a new value makes CloudFormation call the bucket function when a
            # product moves to this version, so its bucket gets the current policy (revision
            # 2: product roles granted nothing by the bucket policy, downloads only through
            # the catalog's VPC).
            "PolicyRevision": POLICY_REVISION,
        }
        if synapse_ids is not None:
            properties["SynapseIds"] = synapse_ids
        self.access = CustomResource(
            self,
            "Access",
            service_token=Fn.sub(
                "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
                + contract.BUCKET_ACCESS_FUNCTION_NAME
            ),
            resource_type="Custom::ProductBucket",
            properties=properties,
        )

    def add_standard_outputs(self, *, documentation_page: str, context: ProductContext) -> None:
        name = self.bucket.ref
        CfnOutput(self, "BucketName", key="BucketName", description="Bucket name", value=name)
        CfnOutput(
            self,
            "BucketARN",
            key="BucketARN",
            description="Bucket ARN, for IAM policies and tools",
            value=self.bucket.attr_arn,
        )
        CfnOutput(
            self,
            "BucketUrl",
            key="BucketUrl",
            description="The bucket in the S3 console",
            value=Fn.sub(
                "https://${AWS::Region}.console.aws.amazon.com/s3/buckets/${Name}"
                "?region=${AWS::Region}",
                {"Name": name},
            ),
        )
        CfnOutput(
            self,
            "Documentation",
            key="Documentation",
            description="How to use this product",
            value=Fn.join("", [context.documentation_url, f"/products/{documentation_page}"]),
        )
