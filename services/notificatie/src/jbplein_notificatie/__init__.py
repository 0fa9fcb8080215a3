"""Notificatie: the letter to the gezin, and partners who hear exactly what they may."""
