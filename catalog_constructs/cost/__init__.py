"""Cost governance of a stage: budgets per community (and member), the launch block at the
limit, cost-allocation tag activation, and the weekly report to community managers.

Everything here runs in the stage's own stack and reads only the stage configuration; product
templates are untouched: the budgets watch the tags every product already applies.

One module per concern: ``notifications`` (the topics' key, Budgets publishing),
``community_budgets`` (budgets, alerts, the launch block), ``allocation_tags``,
``enforcement`` (lifting blocks, stopping instances), ``report`` (the weekly report), all
functions from one asset (``function``, ``handler/cost_handlers``). Nothing is imported here,
so the handler tests import the Lambda code without CDK.
"""
