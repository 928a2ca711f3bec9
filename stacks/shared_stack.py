"""Shared infrastructure of one stage: network, keys, the product boundary and shared handlers."""

from aws_cdk import Fn, Stack, aws_ec2 as ec2, aws_ssm as ssm
from constructs import Construct

from catalog_constructs import contract
from catalog_constructs.shared.cloudwatch_agent import CloudWatchAgentDocument
from catalog_constructs.shared.image_keeper.function import ImageKeeper
from catalog_constructs.shared.jobs_platform import JobsPlatform
from catalog_constructs.shared.keys import CatalogKeys
from catalog_constructs.shared.network import CatalogNetwork
from catalog_constructs.shared.notebook_gateway import NotebookGateway, publish_disabled
from catalog_constructs.shared.product_boundary import ProductRoleBoundary
from catalog_constructs.shared.product_context.function import ProductContextFunction
from catalog_constructs.shared.resources import SharedResources
from catalog_constructs.shared.storage.services import StorageServices
from config.models import CatalogConfig
from config.sections.network import CreateVpcNetwork


class SharedStack(Stack):
    """Everything products rely on at launch, published under the fixed names of
    :mod:`catalog_constructs.contract`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: CatalogConfig, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        self._max_azs = (
            config.network.max_azs if isinstance(config.network, CreateVpcNetwork) else 0
        )

        self.keys = CatalogKeys(self, "Keys")
        network_config = config.network
        if isinstance(network_config, CreateVpcNetwork):
            self.network = CatalogNetwork(
                self,
                "Network",
                logs_key=self.keys.logs_key,
                cidr=network_config.cidr,
                max_azs=network_config.max_azs,
                nat_gateways=network_config.nat_gateways,
                endpoints=network_config.endpoints,
                endpoint_azs=network_config.endpoint_azs,
            )
        else:
            self.network = CatalogNetwork(
                self,
                "Network",
                logs_key=self.keys.logs_key,
                existing_vpc_id=network_config.vpc_id,
                existing_subnet_ids=list(network_config.private_subnet_ids),
                existing_vpc_cidr=network_config.vpc_cidr,
                create_endpoints=network_config.create_endpoints,
                endpoints=network_config.endpoints,
            )
        self.boundary = ProductRoleBoundary(self, "ProductRoleBoundary")
        self.product_context = ProductContextFunction(
            self,
            "ProductContext",
            documentation_url=config.catalog.documentation_url,
            logs_key=self.keys.logs_key,
            ebs_key=self.keys.ebs_key,
            image_owner_accounts=sorted(
                {config.stage.account, config.images.source_account or config.stage.account}
            ),
            sign_in_users_table=contract.SIGN_IN_USERS_TABLE_NAME if config.sign_in else None,
        )
        CloudWatchAgentDocument(self, "CloudWatchAgent")
        self.jobs = JobsPlatform(
            self,
            "Jobs",
            community_weights=config.jobs.weights,
            legacy_communities=config.jobs.legacy_queues,
            max_vcpus=config.jobs.max_vcpus,
            vpc=self.network.vpc,
            subnet_ids=self.network.private_subnet_ids,
            logs_key=self.keys.logs_key,
        )
        self.storage = StorageServices(
            self,
            "Storage",
            storage=config.storage,
            operators=config.operators,
            logs_key=self.keys.logs_key,
            vpc_id=self.network.vpc.vpc_id,
        )
        if config.notebooks is None:
            publish_disabled(self)
        else:
            if isinstance(network_config, CreateVpcNetwork):
                public_subnets = self.network.vpc.public_subnets
                instance_cidr: str | None = network_config.cidr
            else:
                public_subnets = [
                    ec2.Subnet.from_subnet_id(self, f"GatewaySubnet{index}", subnet_id)
                    for index, subnet_id in enumerate(config.notebooks.public_subnet_ids)
                ]
                instance_cidr = network_config.vpc_cidr
            NotebookGateway(
                self,
                "NotebookGateway",
                config=config.notebooks,
                vpc=self.network.vpc,
                public_subnets=public_subnets,
                access_log_bucket=self.storage.access_log_bucket,
                route_function=self.product_context,
                instance_cidr=instance_cidr,
            )
        self.resources = SharedResources(
            product_role_boundary=self.boundary.policy,
            ebs_key=self.keys.ebs_key,
            logs_key=self.keys.logs_key,
            vpc_id=self.network.vpc.vpc_id,
            private_subnet_ids=list(self.network.private_subnet_ids),
            image_key_account=config.images.source_account or config.stage.account,
            jobs_key=self.jobs.key,
            credentials_key=self.keys.credentials_key,
        )

        for construct_id_, name, value in (
            ("VpcIdParameter", contract.VPC_ID_PARAMETER, self.network.vpc.vpc_id),
            (
                "PrivateSubnetsParameter",
                contract.PRIVATE_SUBNETS_PARAMETER,
                Fn.join(",", self.network.private_subnet_ids),
            ),
            ("EbsKeyParameter", contract.EBS_KEY_ARN_PARAMETER, self.keys.ebs_key.key_arn),
            ("LogsKeyParameter", contract.LOGS_KEY_ARN_PARAMETER, self.keys.logs_key.key_arn),
            (
                "CredentialsKeyParameter",
                contract.CREDENTIALS_KEY_ARN_PARAMETER,
                self.keys.credentials_key.key_arn,
            ),
            ("JobsKeyParameter", contract.JOBS_KEY_ARN_PARAMETER, self.jobs.key.key_arn),
            ("JobSubmitApiParameter", contract.JOB_SUBMIT_API_URL_PARAMETER, self.jobs.api.url),
        ):
            ssm.StringParameter(
                self,
                construct_id_,
                parameter_name=name,
                string_value=value,
                description="Read by research-catalog product templates at launch",
            )
        # Every account products launch in keeps the AMIs they still reference (docs/images.md).
        ImageKeeper(self, "ImageKeeper", logs_key=self.keys.logs_key)
        ssm.StringParameter(
            self,
            "StudioTeamBudgetLimitParameter",
            parameter_name=contract.STUDIO_TEAM_BUDGET_LIMIT_PARAMETER,
            string_value=str(config.studio_team_budget_limit()),
            description="The largest monthly budget (USD) a Studio team's owner may choose",
        )

    @property
    def availability_zones(self) -> list[str]:
        # Resolved by CloudFormation in the target account: no lookup at synth time.
        return [Fn.select(index, Fn.get_azs()) for index in range(self._max_azs)]
