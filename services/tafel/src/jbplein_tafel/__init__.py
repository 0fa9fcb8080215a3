"""Tafel: the daily agenda within two working days, the besluit and its notulen."""
