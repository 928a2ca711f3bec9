"""What a command-line tool says when AWS cannot be reached or refuses: one line the user can
act on, never a traceback. Used by the researchers' helpers (catalog_cli) and the operators'
(delivery)."""

from __future__ import annotations

from botocore import exceptions

# Codes AWS answers when the credentials themselves are the problem.
EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
INVALID = {
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
}
NETWORK = (
    exceptions.ConnectionError,
    exceptions.EndpointConnectionError,
    exceptions.ConnectTimeoutError,
    exceptions.ReadTimeoutError,
    exceptions.ConnectionClosedError,
    exceptions.ProxyConnectionError,
    exceptions.SSLError,
    exceptions.HTTPClientError,
)
SIGN_IN = "sign in the way you open the catalog (aws sso login, or your credentials)"

AWS_ERRORS: tuple[type[Exception], ...] = (exceptions.BotoCoreError, exceptions.ClientError)


def explain(error: Exception) -> str:
    """One line saying what went wrong and what to do, for any botocore error."""
    if isinstance(error, exceptions.ClientError):
        return _refusal(error)
    if isinstance(error, exceptions.ProfileNotFound):
        profile = error.kwargs.get("profile", "")
        return (
            f"the AWS profile {profile!r} (AWS_PROFILE or --profile of the AWS CLI) is not in "
            "your AWS configuration: fix the name or unset AWS_PROFILE; "
            "aws configure list-profiles lists yours"
        )
    if isinstance(error, exceptions.NoRegionError):
        return "no AWS region: give --region (e.g. --region us-east-1) or set AWS_REGION"
    if isinstance(error, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
        return f"no AWS credentials found: {SIGN_IN}"
    if isinstance(
        error,
        exceptions.SSOTokenLoadError
        | exceptions.UnauthorizedSSOTokenError
        | exceptions.TokenRetrievalError,
    ):
        return "your AWS sign-in session has expired: run aws sso login"
    if isinstance(error, NETWORK):
        endpoint = error.kwargs.get("endpoint_url") or "AWS"
        return f"cannot reach {endpoint}: check your network connection (and proxy settings)"
    if isinstance(error, exceptions.ParamValidationError):
        return f"AWS refused a value before sending it: {error.kwargs.get('report', error)}"
    return f"the AWS call failed: {error}"


def _refusal(error: exceptions.ClientError) -> str:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    message = str(details.get("Message", "")).strip()
    if code in EXPIRED:
        return f"your AWS credentials have expired: {SIGN_IN}"
    if code in INVALID:
        return f"AWS does not accept your credentials ({code}): {SIGN_IN}"
    refused = f"AWS refused {error.operation_name}: {code}"
    return f"{refused}: {message}" if message else refused
