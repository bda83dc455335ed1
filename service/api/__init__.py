"""The REST API under /api/v1 (flask-smorest): one blueprint per resource, each calling the same
operations as the pages and the command line."""
