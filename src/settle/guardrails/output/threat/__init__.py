"""Category package; see validator.py and the YAML beside it."""
