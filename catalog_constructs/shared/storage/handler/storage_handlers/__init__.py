"""The bucket functions' code: who may reach a product bucket, from launch to purge.

* ``dispatch``: the entry points. ``handler`` (``research-catalog-bucket-access``) answers
  ``Custom::ProductBucket`` (``product_bucket``: policy on Create/Update, archive on Delete)
  and the operators' restore and archive commands (``operator_actions``); ``purge_handler``
  (``research-catalog-bucket-purge``, scheduled) runs ``purge``.
* ``access``: each operation on a bucket's access (owner's policy, archive lock, restore);
  ``policies``: the statements; ``s3_calls``: S3 calls with throttling retries;
  ``settings``: the functions' settings, a bucket's properties, shared tags.

``cfn`` answers CloudFormation (a copy of ``catalog_constructs/common/handler_modules/cfn.py``).
Runs on Lambda with the standard library and boto3/botocore only; the asset root is the
directory above, whose ``index.py`` is Lambda's entry module.
"""
