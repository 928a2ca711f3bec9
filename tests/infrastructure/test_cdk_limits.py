"""Values the CDK validates more strictly than AWS itself: config refuses them with file, line
and key (tests/unit/config), and these tests keep the config's limits equal to the CDK's, so a
value config accepts never ends synth in a jsii traceback."""

import pytest
from aws_cdk import App, Fn, Stack, aws_kms as kms, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.shared.network import CatalogNetwork
from config.sections.catalog import CDK_SUPPORT_EMAIL_RE
from config.sections.delivery import PIPELINE_NAME_RE
from config.sections.network import largest_prefix_for

SUPPORT_EMAILS = {
    "research-computing@example.org": True,
    "Research.Computing+catalog@Example.CO.UK": True,
    "research-computing@institute.science": False,
    "rc!help@example.org": False,
}


def _product(scope: Construct, support_email: str) -> None:
    template = servicecatalog.CloudFormationTemplate.from_url("https://example.org/t.json")
    servicecatalog.CloudFormationProduct(
        scope,
        "Product",
        product_name="Product",
        owner="Research Computing",
        support_email=support_email,
        product_versions=[
            servicecatalog.CloudFormationProductVersion(cloud_formation_template=template)
        ],
    )


@pytest.mark.parametrize(("email", "accepted"), SUPPORT_EMAILS.items())
def test_config_accepts_exactly_the_support_emails_the_cdk_accepts(
    email: str, accepted: bool
) -> None:
    assert bool(CDK_SUPPORT_EMAIL_RE.fullmatch(email)) is accepted
    stack = Stack(App(auto_synth=False), "Catalog")
    if accepted:
        _product(stack, email)
    else:
        with pytest.raises(RuntimeError, match="Invalid support email"):
            _product(stack, email)


class _ZonesStack(Stack):
    """Availability zones as SharedStack resolves them: Fn::GetAZs, no lookup."""

    zones = 2

    @property
    def availability_zones(self) -> list[str]:
        return [Fn.select(index, Fn.get_azs()) for index in range(self.zones)]


def _network(cidr: str, zones: int) -> None:
    _ZonesStack.zones = zones
    stack = _ZonesStack(
        App(auto_synth=False), "Shared", env={"account": "111111111111", "region": "us-east-1"}
    )
    CatalogNetwork(stack, "Network", logs_key=kms.Key(stack, "Logs"), cidr=cidr, max_azs=zones)


@pytest.mark.parametrize("zones", [2, 4, 6])
def test_the_largest_prefix_config_allows_is_the_largest_the_vpc_fits(zones: int) -> None:
    prefix = largest_prefix_for(zones)
    _network(f"10.0.0.0/{prefix}", zones)
    with pytest.raises(RuntimeError, match="exceeds remaining space"):
        _network(f"10.0.0.0/{prefix + 1}", zones)


@pytest.mark.parametrize(("name", "accepted"), [("research-catalog", True), ("rc_2", False)])
def test_config_accepts_exactly_the_pipeline_names_the_stack_name_allows(
    name: str, accepted: bool
) -> None:
    assert bool(PIPELINE_NAME_RE.fullmatch(name)) is accepted
    if accepted:
        Stack(App(auto_synth=False), "Pipeline", stack_name=f"{name}-pipeline")
    else:
        with pytest.raises(RuntimeError, match="Stack name must match"):
            Stack(App(auto_synth=False), "Pipeline", stack_name=f"{name}-pipeline")
