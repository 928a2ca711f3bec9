# shellcheck shell=bash
#: The notebook product's own setup: runs as root inside the workstation's user data
#: (catalog_constructs/product_template/workstation/scripts/linux_user_data.sh), after /data is
#: mounted. It installs research-catalog-notebook (notebook_boot.sh) and a unit that runs it at
#: every boot. The notebook servers listen on 127.0.0.1 only; nginx (with the owner check) is
#: started only where the stage has a notebook gateway.
cat > /usr/local/sbin/research-catalog-notebook <<'SCRIPT'
@NOTEBOOK_SCRIPT@
SCRIPT
chmod 0755 /usr/local/sbin/research-catalog-notebook
cat > /etc/systemd/system/research-catalog-notebook.service <<'UNIT'
[Unit]
Description=Configure the notebook software chosen for this workstation
Wants=network-online.target
After=network-online.target
RequiresMountsFor=/data
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/research-catalog-notebook
[Install]
WantedBy=multi-user.target
UNIT
# research-catalog-notebook-type: ${NotebookType}
systemctl daemon-reload
systemctl enable research-catalog-notebook.service
systemctl start research-catalog-notebook.service
