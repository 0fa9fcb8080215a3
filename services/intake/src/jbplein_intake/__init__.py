"""Intake: every melding enters the plein here, once, complete and safe."""
