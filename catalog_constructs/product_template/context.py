"""What product templates know of their launch: owner, community, placement, documentation
base and image, each answered by the shared product-context function
(:mod:`catalog_constructs.shared.product_context`) through a custom resource."""

from collections.abc import Mapping

from aws_cdk import CfnParameter, CustomResource, Fn, Tags
from constructs import Construct

from catalog_constructs import contract


def product_context_service_token() -> str:
    """ServiceToken of custom resources served by the shared product-context function."""
    return Fn.sub(
        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
        + contract.PRODUCT_CONTEXT_FUNCTION_NAME
    )


class ProductContext(Construct):
    """Inside a product template: the owner, community, placement and docs base of this launch.

    With ``version`` and ``parameters`` the owner is resolved again on every update of the
    product: CloudFormation calls a custom resource on a stack update only when its properties
    change, so the resource carries the template's version and every launch parameter. An
    update that changes neither changes no resource. Resolved again, the owner is whoever an
    operator's transfer recorded (``make transfer-owner``), so an update that replaces the
    instance keeps a moved product with its new owner. Without them (the versions released
    before this), the owner is resolved once, at launch.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        version: str | None = None,
        parameters: Mapping[str, CfnParameter] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        assert (version is None) == (parameters is None), "version and parameters go together"
        properties = None
        if version is not None and parameters is not None:
            properties = {
                "ResolveOnUpdate": {
                    "Version": version,
                    "Parameters": {name: parameters[name].value for name in sorted(parameters)},
                }
            }
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=product_context_service_token(),
            resource_type="Custom::ProductContext",
            properties=properties,
        )

    def _attribute(self, name: str) -> str:
        return self._resource.get_att_string(name)

    @property
    def owner_principal_arn(self) -> str:
        return self._attribute("PrincipalArn")

    @property
    def owner_user_id(self) -> str:
        """The owner's role session name (their user name in the identity provider)."""
        return self._attribute("OwnerUserId")

    @property
    def owner_aws_user_id(self) -> str:
        """``<RoleId>:<session>``, equal to the owner's ``${aws:userid}`` policy variable."""
        return self._attribute("OwnerAwsUserId")

    @property
    def owner_email(self) -> str:
        return self._attribute("OwnerEmail")

    @property
    def community(self) -> str:
        return self._attribute("Community")

    @property
    def subnet_id(self) -> str:
        return self._attribute("SubnetId")

    @property
    def subnet_ids(self) -> str:
        """All private subnets, comma-separated (for ``Fn::Split``)."""
        return self._attribute("SubnetIds")

    @property
    def availability_zone(self) -> str:
        return self._attribute("AvailabilityZone")

    @property
    def documentation_url(self) -> str:
        return self._attribute("DocumentationUrl")

    def tag_product_resources(self, scope: Construct, *, product_key: str) -> None:
        """Owner, community and product tags on every taggable resource under ``scope``.

        Volumes receive them through the instance's tag propagation. The owner-userid tag is
        what the end-user policy compares with the caller's ``aws:userid``.
        """
        tags = Tags.of(scope)
        tags.add(contract.PRODUCT_TAG, product_key)
        tags.add(contract.OWNER_TAG, self.owner_user_id)
        tags.add(contract.OWNER_EMAIL_TAG, self.owner_email)
        tags.add(contract.OWNER_PRINCIPAL_TAG, self.owner_principal_arn)
        tags.add(contract.OWNER_USERID_TAG, self.owner_aws_user_id)
        tags.add(contract.COMMUNITY_TAG, self.community)


class MachineImage(Construct):
    """An AMI ID read from an SSM parameter at launch, then kept until its inputs change.

    A dynamic reference or an SSM-typed parameter would re-read the value on every stack update
    and replace the instance whenever a newer image had been published. Here the image changes
    only when the parameter names change (another distribution or architecture) or the owner
    raises ``generation`` to ask for the newest image. ``fallback_parameter_name`` (AWS's public
    image) is used while the catalog's own pipeline has not published ``parameter_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        parameter_name: str,
        fallback_parameter_name: str | None = None,
        generation: str | None = None,
        public_image_setup: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        properties = {"ImageParameter": parameter_name}
        if fallback_parameter_name is not None:
            properties["FallbackImageParameter"] = fallback_parameter_name
        if public_image_setup is not None:
            # Returned as ``Setup`` only when the public image was chosen (issue 19: a catalog
            # image's user data installs nothing).
            assert fallback_parameter_name is not None, "a public image setup needs a fallback"
            properties["PublicImageSetup"] = public_image_setup
        if generation is not None:
            properties["Generation"] = generation
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=product_context_service_token(),
            resource_type="Custom::MachineImage",
            properties=properties,
        )

    @property
    def image_id(self) -> str:
        return self._resource.get_att_string("ImageId")

    @property
    def setup(self) -> str:
        """What the user data runs for this image: the public image's installation, or a
        comment for a catalog image. Only with ``public_image_setup``."""
        return self._resource.get_att_string("Setup")
