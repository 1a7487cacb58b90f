"""Messages of the calling capability."""

MESSAGES: dict[str, dict[str, str]] = {"en-US": {}}
