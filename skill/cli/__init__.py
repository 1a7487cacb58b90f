"""`office-admin`: the admin command line (fleet, devices, users, rooms); it reuses the services."""
