"""The 资讯审核 workflow: a news draft waits for the Moderators group before it is published.
Migration 0003 makes it."""

from portal.workflow import ReviewWorkflow

REVIEW = ReviewWorkflow("资讯审核", "资讯审核：审核员审批", ("Moderators",))
WORKFLOW_NAME = REVIEW.name
