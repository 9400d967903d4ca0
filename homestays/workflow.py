"""The 民宿审核 workflow: an owner's change waits for an editor (Editors or Moderators) to approve it.

Approving publishes the listing; "request changes" sends it back with the editor's comment, and
Wagtail's own notifications e-mail the owner either way. Migration 0003 makes it.
"""

from portal.workflow import ReviewWorkflow

REVIEW = ReviewWorkflow("民宿审核", "民宿审核：编辑审批", ("Editors", "Moderators"))
WORKFLOW_NAME = REVIEW.name
