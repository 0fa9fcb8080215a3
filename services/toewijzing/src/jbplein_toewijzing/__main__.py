"""``python -m jbplein_toewijzing``: run the toewijzing service."""

from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main() -> None:
    serve(create_app, Settings(), "toewijzing")


if __name__ == "__main__":
    main()
