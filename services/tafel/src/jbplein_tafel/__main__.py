"""``python -m jbplein_tafel``: run the tafel service."""

from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main() -> None:
    serve(create_app, Settings(), "tafel")


if __name__ == "__main__":
    main()
