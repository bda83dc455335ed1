"""People from the organisation's directory: sync, staff login."""
