"""Use cases of TalentFlow: directory, campaigns, tasks, and the composition root."""
