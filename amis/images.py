"""The images the catalog builds, and the component documents each is made of.

Pure Python (no CDK import): the component-document tests and the AMI stack both read it.
Component documents are immutable in Image Builder once created with a name and version, so
every document carries an explicit version here, and ``component-lock.json`` records the
digest of the document that version stands for: changing a document without a new version
fails the tests instead of failing the deploy.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

COMPONENT_DIRECTORY = Path(__file__).resolve().parent / "components"
# Files a component embeds with ``content: "@<file name>"`` (CreateFile steps): the catalog keeps
# one copy of their source, tested like the rest of the code.
FILE_DIRECTORY = Path(__file__).resolve().parent / "files"
COMPONENT_LOCK = Path(__file__).resolve().parent / "component-lock.json"


@dataclass(frozen=True, kw_only=True)
class Component:
    key: str
    version: str
    platform: str  # "Linux" or "Windows"

    @property
    def path(self) -> Path:
        return COMPONENT_DIRECTORY / f"{self.key}.yaml"

    def data(self) -> str:
        """The document Image Builder receives, with embedded files filled in."""
        text = self.path.read_text()
        if '"@' not in text:
            return text
        document = yaml.safe_load(text)
        for phase in document["phases"]:
            for step in phase["steps"]:
                if step["action"] != "CreateFile":
                    continue
                for entry in step["inputs"]:
                    content = entry.get("content", "")
                    if content.startswith("@"):
                        entry["content"] = (FILE_DIRECTORY / content[1:]).read_text()
        return yaml.safe_dump(document, sort_keys=False, width=1000)

    def digest(self) -> str:
        return hashlib.sha256(self.data().encode()).hexdigest()


COMPONENTS: dict[str, Component] = {
    component.key: component
    for component in (
        Component(key="docker-compose", version="1.0.0", platform="Linux"),
        Component(key="mountpoint-s3", version="1.1.0", platform="Linux"),
        Component(key="workstation-user", version="1.0.0", platform="Linux"),
        Component(key="rstudio-server", version="1.0.0", platform="Linux"),
        Component(key="jupyterlab", version="1.0.0", platform="Linux"),
        Component(key="owner-check-proxy", version="1.1.0", platform="Linux"),
        Component(key="windows-bucket-sync", version="1.0.0", platform="Windows"),
    )
}

# AWS-owned components, referenced at their newest version ("x.x.x"): AWS maintains and signs
# them; they install the SSM and CloudWatch agents, the AWS CLI and OS updates.
LINUX_AWS_COMPONENTS = ("update-linux", "amazon-cloudwatch-agent-linux", "aws-cli-version-2-linux")
WINDOWS_AWS_COMPONENTS = (
    "update-windows",
    "amazon-cloudwatch-agent-windows",
    "aws-cli-version-2-windows",
)


@dataclass(frozen=True, kw_only=True)
class ImageDefinition:
    key: str
    description: str
    platform: str
    # architecture ("x86_64" or "arm64") -> Image Builder managed parent image name; the
    # pipeline follows its newest version ("x.x.x") and rebuilds when it changes.
    parents: dict[str, str]
    components: tuple[str, ...]
    aws_components: tuple[str, ...]
    root_device: str
    root_volume_gib: int
    # Bumped whenever components or settings change: recipes are immutable too.
    recipe_version: str

    def parameter_name(self, architecture: str) -> str:
        from catalog_constructs.contract import image_parameter

        return image_parameter(self.key, architecture)


IMAGES: dict[str, ImageDefinition] = {
    image.key: image
    for image in (
        ImageDefinition(
            key="linux-docker",
            description="Amazon Linux 2023 with Docker, the compose plugin, Mountpoint for "
            "Amazon S3, the SSM and CloudWatch agents and the AWS CLI, patched at build time",
            platform="Linux",
            parents={"x86_64": "amazon-linux-2023-x86", "arm64": "amazon-linux-2023-arm64"},
            components=("docker-compose", "mountpoint-s3", "workstation-user"),
            aws_components=LINUX_AWS_COMPONENTS,
            root_device="/dev/xvda",
            root_volume_gib=30,
            recipe_version="1.1.0",
        ),
        # RStudio Server publishes amd64 builds for Ubuntu only, so the notebook image is x86_64.
        ImageDefinition(
            key="notebook",
            description="Ubuntu 24.04 LTS with RStudio Server and JupyterLab (pinned, stopped "
            "until a notebook product starts one), nginx and the owner-check service, Mountpoint "
            "for Amazon S3, the agents and the AWS CLI, patched at build time",
            platform="Linux",
            parents={"x86_64": "ubuntu-server-24-lts-x86"},
            components=(
                "rstudio-server",
                "jupyterlab",
                "owner-check-proxy",
                "mountpoint-s3",
                "workstation-user",
            ),
            aws_components=LINUX_AWS_COMPONENTS,
            root_device="/dev/sda1",
            root_volume_gib=40,
            recipe_version="1.2.0",
        ),
        ImageDefinition(
            key="windows",
            description="Windows Server 2022 with the SSM and CloudWatch agents, the AWS CLI and "
            "the bucket synchronisation script, patched at build time",
            platform="Windows",
            parents={"x86_64": "windows-server-2022-english-full-base-x86"},
            components=("windows-bucket-sync",),
            aws_components=WINDOWS_AWS_COMPONENTS,
            root_device="/dev/sda1",
            root_volume_gib=60,
            recipe_version="1.0.0",
        ),
    )
}


def lock_entries() -> dict[str, dict[str, str]]:
    return {
        key: {"version": component.version, "sha256": component.digest()}
        for key, component in sorted(COMPONENTS.items())
    }


def write_lock() -> None:
    """`python -m amis.images` after bumping a component's version."""
    COMPONENT_LOCK.write_text(json.dumps(lock_entries(), indent=2) + "\n")


if __name__ == "__main__":
    write_lock()
