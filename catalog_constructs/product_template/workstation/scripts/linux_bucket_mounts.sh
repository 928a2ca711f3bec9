# shellcheck shell=bash
#: Part of a Linux workstation's user data (linux_user_data.sh) when it offers bucket mounts:
#: the bucket lists as comments the boot-time script finds again, that script
#: (mount_buckets.sh) and the unit that runs it at every boot.
# research-catalog-read-only-buckets: ${ReadOnlyBuckets}
# research-catalog-read-write-buckets: ${ReadWriteBuckets}
cat > /usr/local/sbin/research-catalog-mount-buckets <<'SCRIPT'
@MOUNT_SCRIPT@
SCRIPT
chmod 0755 /usr/local/sbin/research-catalog-mount-buckets
cat > /etc/systemd/system/research-catalog-buckets.service <<'UNIT'
[Unit]
Description=Mount the S3 buckets chosen at launch under @LINUX_MOUNT_ROOT@
Wants=network-online.target
After=network-online.target local-fs.target
RequiresMountsFor=/data
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/research-catalog-mount-buckets
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable research-catalog-buckets.service
systemctl start research-catalog-buckets.service
