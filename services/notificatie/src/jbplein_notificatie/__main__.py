"""``python -m jbplein_notificatie``: run the notificatie service."""

from jbplein_kit import cli
from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main(argv: list[str] | None = None) -> None:
    cli.parser("notificatie", Settings).parse_args(argv)
    serve(create_app, Settings(), "notificatie")


if __name__ == "__main__":
    main()
