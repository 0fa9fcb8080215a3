"""Toewijzing: a casusregisseur at once, and the five-working-day promises kept."""
