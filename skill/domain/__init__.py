"""Pure domain logic: no ask_sdk, no boto3, no I/O. Time comes in as an argument."""
