"""The JB-plein service kit: the one way every service talks to the bus and its database."""
