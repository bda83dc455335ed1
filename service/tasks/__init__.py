"""Background work on huey: the outbox relay, reminders, and cycles opening and closing
on their dates."""
