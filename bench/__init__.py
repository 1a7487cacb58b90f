"""Benchmarks of the skill's request path, calendar refresh and deploy size; run by `make bench`, never by tests."""
