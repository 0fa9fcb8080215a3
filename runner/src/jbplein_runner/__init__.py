"""The embedded runner behind ``./jbplein up``, also used by the tests to start real processes."""
