"""Linux Docker EC2: a private Linux instance with Docker and the compose plugin."""

from aws_cdk import CfnMapping, aws_servicecatalog as servicecatalog
from constructs import Construct

from catalog_constructs.contract import image_parameter
from catalog_constructs.product_template.context import MachineImage, ProductContext
from catalog_constructs.product_template.launch_form import FormGroup, FormParameter, LaunchForm
from catalog_constructs.product_template.workstation import bucket_mounts
from catalog_constructs.product_template.workstation.instance import Workstation, WorkstationProps
from products.instance_types import instance_type_mapping, instance_type_names
from products.template import ProductTemplate, SmokeTest
from products.workstation_form import (
    STANDARD_OUTPUT_CHECKS,
    data_volume_parameter,
    idle_stop_group,
    image_generation_parameter,
    shared_fields,
)

PRODUCT_KEY = "linux-docker"
DISPLAY_NAME = "Linux Docker EC2"
DESCRIPTION = (
    "A Linux virtual machine with Docker and the compose plugin, for your own containers and "
    "tools. Private network, no public address: you connect from the browser through Session "
    "Manager, and only you can. Stops itself when idle."
)

# Per distribution and architecture: the parameter the catalog's image pipeline publishes, and
# the public parameter AWS or Canonical publishes, used until the catalog's exists. Ubuntu has no
# catalog pipeline for this product, so its catalog parameters are never written.
_UBUNTU = "/aws/service/canonical/ubuntu/server/24.04/stable/current/{arch}/hvm/ebs-gp3/ami-id"
DISTRIBUTIONS = {
    "AmazonLinux2023": {
        "x86": image_parameter("linux-docker", "x86_64"),
        "arm64": image_parameter("linux-docker", "arm64"),
        "PublicX86": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        "PublicArm64": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        "RootDevice": "/dev/xvda",
    },
    "Ubuntu2404": {
        "x86": image_parameter("linux-docker-ubuntu", "x86_64"),
        "arm64": image_parameter("linux-docker-ubuntu", "arm64"),
        "PublicX86": _UBUNTU.format(arch="amd64"),
        "PublicArm64": _UBUNTU.format(arch="arm64"),
        "RootDevice": "/dev/sda1",
    },
}
PUBLIC_KEYS = {"x86": "PublicX86", "arm64": "PublicArm64"}

# A compose release and its published checksum file; never a moving "latest".
COMPOSE_VERSION = "v2.39.1"

SETUP_SCRIPT = f"""
. /etc/os-release
case "$ID" in
  amzn)
    dnf install -y docker rsyslog
    systemctl enable --now rsyslog
    case "$(uname -m)" in
      x86_64) compose_arch=x86_64 ;;
      aarch64) compose_arch=aarch64 ;;
    esac
    compose_url="https://github.com/docker/compose/releases/download/{COMPOSE_VERSION}/docker-compose-linux-$compose_arch"
    curl -fsSL -o /tmp/docker-compose "$compose_url"
    echo "$(curl -fsSL "$compose_url.sha256" | cut -d' ' -f1)  /tmp/docker-compose" | sha256sum -c -
    install -D -m 0755 /tmp/docker-compose /usr/libexec/docker/cli-plugins/docker-compose
    ;;
  ubuntu)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q docker.io docker-compose-v2
    ;;
  *)
    echo "unsupported distribution: $ID"
    exit 1
    ;;
esac
systemctl enable --now docker
usermod -aG docker ssm-user
docker info >/dev/null
docker compose version
"""

FORM = (
    FormGroup(
        label="Instance",
        parameters=(
            FormParameter(
                name="InstanceType",
                label="Instance type",
                description=(
                    "CPU and memory of the machine. t3/m7i/c7i/r7i are Intel (x86_64); t4g/m7g/"
                    "c7g/r7g are AWS Graviton (arm64), cheaper for the same size: the image "
                    "matching the type's architecture is chosen for you. Sizes and prices: "
                    "https://aws.amazon.com/ec2/instance-types/"
                ),
                constraint_description="Choose one of the instance types in the list.",
                default="t3.medium",
                allowed_values=instance_type_names(),
            ),
            FormParameter(
                name="LinuxDistribution",
                label="Linux distribution",
                description="Amazon Linux 2023 (default) or Ubuntu 24.04 LTS.",
                constraint_description="Choose AmazonLinux2023 or Ubuntu2404.",
                default="AmazonLinux2023",
                allowed_values=tuple(DISTRIBUTIONS),
            ),
            FormParameter(
                name="DiskSize",
                label="Disk size (GiB)",
                description=(
                    "Size of the encrypted system disk in GiB (operating system, Docker "
                    "images). It is replaced with the instance; keep your work in /data."
                ),
                constraint_description="Enter a whole number of GiB from 30 to 5000.",
                type="Number",
                default=30,
                min_value=30,
                max_value=5000,
            ),
            data_volume_parameter("mounted at /data"),
            image_generation_parameter(
                image="catalog",
                replaced="the instance and its disk are replaced, so copy your data to a "
                "bucket first.",
            ),
        ),
    ),
    bucket_mounts.FORM_GROUP,
    idle_stop_group(kept="its disk"),
)


class LinuxDockerProduct(servicecatalog.ProductStack):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id, description=f"{DISPLAY_NAME}: {DESCRIPTION}")
        form = LaunchForm(self, "Form", groups=FORM)
        instance_type = form.value("InstanceType")
        distribution = form.value("LinuxDistribution")

        instance_types = instance_type_mapping(self)
        distributions = CfnMapping(self, "Distributions", mapping=DISTRIBUTIONS)
        architecture = instance_types.find_in_map(instance_type, "Arch")
        public_key = CfnMapping(
            self,
            "PublicImageKeys",
            mapping={arch: {"Key": key} for arch, key in PUBLIC_KEYS.items()},
        ).find_in_map(architecture, "Key")
        image = MachineImage(
            self,
            "Image",
            parameter_name=distributions.find_in_map(distribution, architecture),
            fallback_parameter_name=distributions.find_in_map(distribution, public_key),
            generation=form.value("ImageGeneration"),
        )
        context = ProductContext(self, "Context")
        context.tag_product_resources(self, product_key=PRODUCT_KEY)
        fields = shared_fields(self, form)

        workstation = Workstation(
            self,
            "Workstation",
            props=WorkstationProps(
                product_key=PRODUCT_KEY,
                context=context,
                image_id=image.image_id,
                instance_type=instance_type,
                root_device_name=distributions.find_in_map(distribution, "RootDevice"),
                root_volume_gib=form.parameters["DiskSize"].value_as_number,
                **fields,
                setup_script=SETUP_SCRIPT,
            ),
        )
        workstation.add_standard_outputs(documentation_page=f"{PRODUCT_KEY}.md", context=context)


USAGE = (
    """
## Connecting

Open the `ConnectionURI` output: a shell opens in your browser tab as `ssm-user`, who may use
`sudo` and `docker`. Only you can open it: the catalog allows Session Manager only on instances
whose owner tag matches your own identity.

From your own computer, with the AWS CLI and the Session Manager plugin installed and your
catalog credentials configured:

```bash
aws ssm start-session --target <InstanceId>
# or forward a port, for example a web app listening on 8080 inside the instance:
aws ssm start-session --target <InstanceId> \\
  --document-name AWS-StartPortForwardingSession \\
  --parameters '{"portNumber":["8080"],"localPortNumber":["8080"]}'
```

The instance has no public address and accepts no inbound connections; it reaches the
internet through the catalog's NAT gateway (to pull images and packages).

## Docker

Docker and the compose plugin are installed and running when the product reports
`Available` (the launch waits for them): `docker run hello-world`, `docker compose up`.
On Amazon Linux 2023 the compose plugin is release COMPOSE_VERSION, verified against its
published checksum; on Ubuntu both come from Ubuntu's archive.

## Cost and idle stop

The instance stops itself when its average CPU stays below 5% for the number of hours you
chose (`IdleStopHours`; 0 turns this off). Start it again with the **Start** action on the
provisioned product (Actions menu); **Stop** and **Restart** are there too. A stopped
instance costs only its disk.

## Logs

`LogsURI` opens the product's log group: setup (`research-catalog-setup`), cloud-init and
system logs, shipped by the CloudWatch agent and kept for 90 days.

## Your data: /data

Keep your work under `/data`, a separate encrypted disk (`DataVolumeSize`). It belongs to
the product, not to the instance:

- Updates that **replace the instance** (changing `LinuxDistribution`, raising
  `ImageGeneration`, or a new product version that moves to a new image) stop the old
  instance, move the data disk to the new one and mount it again at `/data`. The system disk
  (`DiskSize`: the operating system, installed packages, Docker images) is replaced.
- Updates that **keep the instance**: changing `InstanceType` or the bucket lists (the instance
  stops and starts), `IdleStopHours`, or growing `DataVolumeSize` or `DiskSize`. A larger data
  disk reaches `/data` at the next start (use the **Restart** action), or at once with
  `sudo resize2fs "$(findmnt -no SOURCE /data)"`.
- **Terminating** the product deletes the instance and takes a final snapshot of the data
  disk, which the catalog operators can restore from.
""".replace("COMPOSE_VERSION", COMPOSE_VERSION)
    + bucket_mounts.LINUX_USAGE
)

TEMPLATE = ProductTemplate(
    key=PRODUCT_KEY,
    construct_id="LinuxDocker",
    display_name=DISPLAY_NAME,
    description=DESCRIPTION,
    stack_class=LinuxDockerProduct,
    form=FORM,
    usage=USAGE,
    smoke_test=SmokeTest(
        parameters={
            "InstanceType": "t4g.small",
            "LinuxDistribution": "AmazonLinux2023",
            "DiskSize": "30",
            "IdleStopHours": "1",
        },
        outputs={
            **STANDARD_OUTPUT_CHECKS,
        },
    ),
)
