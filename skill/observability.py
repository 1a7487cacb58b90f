"""Structured JSON logs (Powertools Logger) with the Alexa requestId as correlation id.

Log lines carry ids, intents, statuses and counts; never names, phone numbers, PINs or envelopes.
"""

from __future__ import annotations

import sys

from aws_lambda_powertools import Logger

# stderr keeps stdout clean for what commands print (office-admin --json); Lambda collects both.
logger = Logger(service="office-assistant", stream=sys.stderr)
