"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from service.app import create_app

app = create_app()

# What the app built at start-up (about 160,000 objects: models, templates, catalogues, the
# design system's macros) lives as long as the process. Left to the collector, each full
# collection walks all of it, a pause of 50-175 ms in the middle of whichever request
# triggered it: most of a rater's p99. Frozen, collections walk only what requests make.
gc.freeze()
