"""``python -m jbplein_tafel``: run the tafel service."""

from jbplein_kit import cli
from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main(argv: list[str] | None = None) -> None:
    cli.parser("tafel", Settings).parse_args(argv)
    serve(create_app, Settings(), "tafel")


if __name__ == "__main__":
    main()
