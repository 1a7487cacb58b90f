"""One handler class per intent; each module covers one capability."""
