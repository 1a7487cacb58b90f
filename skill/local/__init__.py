"""`office-skill`: the whole skill on this machine (embedded DynamoDB-compatible server, endpoint, console)."""
