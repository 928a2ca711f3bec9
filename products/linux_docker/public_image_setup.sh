# shellcheck shell=bash
#: What the Linux Docker product installs at first boot on a PUBLIC image only (AWS's or
#: Canonical's, used while the stage has no catalog image for the distribution): the template
#: passes it to Custom::MachineImage, which hands it back for a public image and a comment for a
#: catalog image. AWS's GPU base images already carry Docker and the NVIDIA container toolkit.
# shellcheck source=/dev/null
. /etc/os-release
case "$ID" in
  amzn)
    dnf install -y docker rsyslog
    if ! docker compose version >/dev/null 2>&1; then
      case "$(uname -m)" in x86_64) compose_arch=x86_64 ;; aarch64) compose_arch=aarch64 ;; esac
      compose_url="https://github.com/docker/compose/releases/download/@COMPOSE_VERSION@/docker-compose-linux-$compose_arch"
      curl -fsSL -o /tmp/docker-compose "$compose_url"
      echo "$(curl -fsSL "$compose_url.sha256" | cut -d' ' -f1)  /tmp/docker-compose" | sha256sum -c -
      install -D -m 0755 /tmp/docker-compose /usr/libexec/docker/cli-plugins/docker-compose
    fi
    ;;
  ubuntu)
    export DEBIAN_FRONTEND=noninteractive
    if ! command -v docker >/dev/null; then
      apt-get update -q
      apt-get install -y -q docker.io docker-compose-v2
    fi
    ;;
  *)
    echo "unsupported distribution: $ID"
    exit 1
    ;;
esac
@MOUNTPOINT@
