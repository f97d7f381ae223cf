"""Notices (上传下达): a notice sent to a subtree and relayed to every household."""
