"""Smoke-test checks every bucket product's outputs get; no CDK import."""

from products.definition import HTTPS_URL

SMOKE_TEST_OUTPUTS = {
    "BucketName": r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "BucketARN": r"arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
    "BucketUrl": HTTPS_URL,
    "Documentation": HTTPS_URL,
}
