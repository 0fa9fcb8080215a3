"""``python -m jbplein_toewijzing``: run the toewijzing service."""

from jbplein_kit import cli
from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main(argv: list[str] | None = None) -> None:
    cli.parser("toewijzing", Settings).parse_args(argv)
    serve(create_app, Settings(), "toewijzing")


if __name__ == "__main__":
    main()
