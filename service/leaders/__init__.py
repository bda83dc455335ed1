"""The leader's own pages: what each cycle asks of them, progress by group, their report."""
