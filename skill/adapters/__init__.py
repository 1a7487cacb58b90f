"""Implementations of the ports in `skill.ports`: DynamoDB, HTTP, telephony, notification channels."""
