"""Helpers the image keeper tests share: the function's settings, images of this account,
published image parameters and the images the keeper tagged. Not a test module."""

from typing import Any

import boto3

from catalog_constructs import contract

SETTINGS = {
    "PRODUCT_TAG": contract.PRODUCT_TAG,
    "IMAGE_PARAMETER_ROOT": contract.IMAGE_PARAMETER_ROOT,
    "IN_USE_TAG": contract.IMAGE_IN_USE_TAG,
    "IN_USE_VALUE": contract.IMAGE_IN_USE_VALUE,
}


def own_image(ec2: Any, name: str) -> str:
    """An AMI of this account, made from an instance of one of moto's public images."""
    base = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    builder = ec2.run_instances(ImageId=base, MinCount=1, MaxCount=1)["Instances"][0]
    return str(ec2.create_image(InstanceId=builder["InstanceId"], Name=name)["ImageId"])


def publish(image: str, product: str) -> None:
    """``image`` as the product's x86_64 image parameter."""
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name=contract.image_parameter(product, "x86_64"), Value=image, Type="String"
    )


def in_use(ec2: Any) -> set[str]:
    """This account's AMIs carrying the in-use tag."""
    images = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag-key", "Values": [contract.IMAGE_IN_USE_TAG]}]
    )["Images"]
    return {image["ImageId"] for image in images}
