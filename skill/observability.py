"""Structured JSON logs (Powertools Logger) with the Alexa requestId as correlation id.

Log lines carry ids, intents, statuses and counts; never names, phone numbers, PINs or envelopes.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="office-assistant")
