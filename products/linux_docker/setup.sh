# shellcheck shell=bash
#: The Linux Docker product's own setup: runs as root inside the workstation's user data
#: (catalog_constructs/product_template/workstation/scripts/linux_user_data.sh), after /data is
#: mounted. It must be idempotent.
# shellcheck source=/dev/null
. /etc/os-release
case "$ID" in
  amzn)
    dnf install -y docker rsyslog
    systemctl enable --now rsyslog
    case "$(uname -m)" in
      x86_64) compose_arch=x86_64 ;;
      aarch64) compose_arch=aarch64 ;;
    esac
    compose_url="https://github.com/docker/compose/releases/download/@COMPOSE_VERSION@/docker-compose-linux-$compose_arch"
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
