# shellcheck shell=bash
#: Part of a Linux workstation's user data: installs the activity reporter (activity.sh) and a
#: timer that runs it every minute. It reports only where an NVIDIA GPU is present; the idle-stop
#: alarm of a GPU instance watches what it reports.
cat > /usr/local/sbin/research-catalog-activity <<'SCRIPT'
@ACTIVITY_SCRIPT@
SCRIPT
chmod 0755 /usr/local/sbin/research-catalog-activity
cat > /etc/systemd/system/research-catalog-activity.service <<'UNIT'
[Unit]
Description=Report CPU and GPU activity for the idle stop
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/research-catalog-activity
UNIT
cat > /etc/systemd/system/research-catalog-activity.timer <<'UNIT'
[Unit]
Description=Report CPU and GPU activity every minute
[Timer]
OnBootSec=2min
OnUnitActiveSec=1min
[Install]
WantedBy=timers.target
UNIT
systemctl daemon-reload
systemctl enable --now research-catalog-activity.timer
