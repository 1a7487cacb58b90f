"""Messages of the rooms capability."""

MESSAGES: dict[str, dict[str, str]] = {"en-US": {}}
