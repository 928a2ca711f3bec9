# shellcheck shell=bash
#: The Linux Docker product's own setup: runs as root inside the workstation's user data
#: (catalog_constructs/product_template/workstation/scripts/linux_user_data.sh), after /data is
#: mounted and after what a public image needs installed (public_image_setup.sh). It installs
#: nothing: the catalog's images carry Docker, the compose plugin and, for GPU instances, the
#: NVIDIA driver and container toolkit. It must be idempotent.
systemctl enable --now docker
systemctl enable --now rsyslog 2>/dev/null || true
usermod -aG docker ssm-user
docker info >/dev/null
docker compose version
# An NVIDIA GPU (PCI vendor 0x10de) must be usable from containers at first login.
if grep -qs 0x10de /sys/bus/pci/devices/*/vendor; then
  command -v nvidia-smi >/dev/null || {
    echo "this GPU instance's image has no NVIDIA driver: raise ImageGeneration once the catalog's image with GPU support is published, or ask the catalog operators"
    false
  }
  nvidia-smi -L
  docker info --format '{{json .Runtimes}}' | grep -q nvidia
fi
