"""``python -m jbplein_intake``: run the intake service."""

from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main() -> None:
    serve(create_app, Settings(), "intake")


if __name__ == "__main__":
    main()
