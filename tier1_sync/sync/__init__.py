"""The sync job: CS platform → match accounts → plan only the changes → write → report."""
