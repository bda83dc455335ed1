"""A leader shares their released report with a facilitator, appraiser or mentor, and can
withdraw the share: the rows, the two operations and the "shared with me" pages."""
