#: Part of every Windows workstation's user data (windows_user_data.ps1): the owner's own local
#: administrator, with the password generated for this product (OwnerCredential). The built-in
#: Administrator is disabled (its random password from EC2Launch was never readable: no key
#: pair exists).
$secret = Get-SECSecretValue -SecretId '${CredentialSecretArn}' -Region '${AWS::Region}'
$credential = $secret.SecretString | ConvertFrom-Json
$password = ConvertTo-SecureString -String $credential.password -AsPlainText -Force
if (Get-LocalUser -Name $credential.username -ErrorAction SilentlyContinue) {
  Set-LocalUser -Name $credential.username -Password $password
} else {
  New-LocalUser -Name $credential.username -Password $password -PasswordNeverExpires `
    -Description 'Owner of this research workstation' | Out-Null
}
$administrators = Get-LocalGroupMember -Group 'Administrators'
if (-not ($administrators | Where-Object { $_.Name -like "*\$($credential.username)" })) {
  Add-LocalGroupMember -Group 'Administrators' -Member $credential.username
}
Remove-Variable secret, credential, password
# The owner signs in with their own account; the built-in one is not needed by anyone.
Disable-LocalUser -Name 'Administrator'
