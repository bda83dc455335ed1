"""Talking to appraisal systems and other receivers: signed webhook delivery."""
