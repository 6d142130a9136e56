"""One module per revision, oldest first by its `down_revision` chain."""
