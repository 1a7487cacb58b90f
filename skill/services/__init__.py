"""Use cases shared by the skill, the admin CLI and the background jobs."""
