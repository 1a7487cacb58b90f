"""Messages of the reception capability."""

MESSAGES: dict[str, dict[str, str]] = {"en-US": {}}
