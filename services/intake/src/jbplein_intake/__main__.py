"""``python -m jbplein_intake``: run the intake service."""

from jbplein_kit import cli
from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main(argv: list[str] | None = None) -> None:
    cli.parser("intake", Settings).parse_args(argv)
    serve(create_app, Settings(), "intake")


if __name__ == "__main__":
    main()
