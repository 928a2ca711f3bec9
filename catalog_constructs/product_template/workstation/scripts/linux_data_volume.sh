# shellcheck shell=bash
#: Part of every Linux workstation's user data (linux_user_data.sh), after the agent settings.
#: Finds the data volume by its ID (NVMe names do not follow the attachment's device name),
#: formats it only if it has no file system yet, and mounts it by UUID. Runs at every first
#: boot, so a replacement instance mounts the same data.
#: ${DataVolumeId} is CloudFormation's (Fn::Sub), hence the single quotes shellcheck questions.
# shellcheck disable=SC2016
volume_serial=$(echo '${DataVolumeId}' | tr -d -)
volume_device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$volume_serial"
#: The loop only counts the attempts.
# shellcheck disable=SC2034
for attempt in $(seq 1 120); do
  [ -e "$volume_device" ] && break
  [ -e @DATA_DEVICE@ ] && volume_device=@DATA_DEVICE@ && break
  sleep 5
done
#: The same variable in the message: CloudFormation's, never the shell's.
# shellcheck disable=SC2154
[ -e "$volume_device" ] || { echo "data volume ${DataVolumeId} never appeared"; false; }
#: ext4: its tools are on every distribution the catalog offers, and it grows while mounted.
blkid "$volume_device" >/dev/null || mkfs.ext4 -q -L research-data "$volume_device"
uuid=$(blkid -s UUID -o value "$volume_device")
mkdir -p /data
grep -q "UUID=$uuid" /etc/fstab ||
  echo "UUID=$uuid /data ext4 defaults,nofail 0 2" >> /etc/fstab
mount -a
#: A larger DataVolumeSize reaches the file system at the next boot (or Restart action).
cat > /etc/systemd/system/research-catalog-grow-data.service <<UNIT
[Unit]
Description=Grow the /data file system to the size of its volume
After=local-fs.target
[Service]
Type=oneshot
ExecStart=/sbin/resize2fs /dev/disk/by-uuid/$uuid
[Install]
WantedBy=multi-user.target
UNIT
systemctl enable research-catalog-grow-data.service
#: Session Manager signs the owner in as ssm-user, who owns the data directory.
id ssm-user >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ssm-user
echo 'ssm-user ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ssm-agent-users
chmod 0440 /etc/sudoers.d/ssm-agent-users
chown ssm-user:ssm-user /data
