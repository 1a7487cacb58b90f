"""The single-table DynamoDB store, split by the part of the office it keeps."""
