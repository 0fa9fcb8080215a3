"""A small service built on the kit alone, to test the kit's guarantees against a real
nats-server and a real database without any domain logic in the way."""
