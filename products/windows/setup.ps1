#: The Windows product's own setup: runs as SYSTEM inside the workstation's user data
#: (catalog_constructs/product_template/workstation/scripts/windows_user_data.ps1), after D: and
#: the owner's account are ready. Remote Desktop is on in AWS's Windows images; this keeps it on
#: whatever the base image decides, with Network Level Authentication.
$terminalServer = 'HKLM:\System\CurrentControlSet\Control\Terminal Server'
Set-ItemProperty -Path $terminalServer -Name 'fDenyTSConnections' -Value 0
Set-ItemProperty -Path "$terminalServer\WinStations\RDP-Tcp" -Name 'UserAuthentication' -Value 1
