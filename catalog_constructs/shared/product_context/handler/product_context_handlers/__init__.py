"""The product-context function's code: one module per custom resource type, all answered by
one function that every product template calls (``dispatch.RESOURCE_TYPES``).

* ``Custom::ProductContext`` (``product_context``): the owner, their community and e-mail, and
  the product's subnet, from the stack's provisioning-principal tag or the operators' transfer
  record of the product (``owner_transfer``).
* ``Custom::MachineImage`` (``machine_image``): the AMI ID held by an SSM parameter.
* ``Custom::DataVolumeAttachment`` (``data_volume``): moves a data volume to the instance that
  replaces the old one.
* ``Custom::BatchJob`` (``batch_job``): validates a scheduled job's form and registers its
  AWS Batch job definition.
* ``Custom::StudioTeam`` (``studio_team``): a Studio team's user profiles, and emptying the
  domain on termination.
* ``Custom::BucketMounts`` (``bucket_mounts``): refuses buckets a workstation's owner may not
  mount.
* ``Custom::NotebookRoute`` (``notebook_route``): a notebook's path on the shared notebook
  gateway, where the stage has one.

``cfn`` answers CloudFormation (a copy of ``catalog_constructs/common/handler_modules/cfn.py``);
``fargate`` is shared with the scheduled-job template and so imports nothing beyond the
standard library (synth must not need boto3). Runs on Lambda with the standard library and
boto3/botocore only; the asset root is the directory above, whose ``index.py`` is Lambda's
entry module.
"""
