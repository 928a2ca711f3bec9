"""The sign-in service's Lambda code: a relying party of one OpenID Connect provider that signs
researchers in to their community's role (see app.py). Imports only itself, the standard library
and the Lambda runtime's boto3/botocore."""
