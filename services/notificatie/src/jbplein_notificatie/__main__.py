"""``python -m jbplein_notificatie``: run the notificatie service."""

from jbplein_kit.service import serve

from .app import create_app
from .settings import Settings


def main() -> None:
    serve(create_app, Settings(), "notificatie")


if __name__ == "__main__":
    main()
