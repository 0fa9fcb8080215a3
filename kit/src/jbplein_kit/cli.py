"""The command line of a service (``python -m jbplein_<service>``): it takes no arguments, only
``--help``, which names every setting the service reads from the environment."""

from __future__ import annotations

import argparse

from pydantic_settings import BaseSettings


def settings_help(settings: type[BaseSettings]) -> str:
    prefix = str(settings.model_config.get("env_prefix", ""))
    lines = ["settings (environment variables):"]
    for name, field in settings.model_fields.items():
        default = "" if field.is_required() else f" (default: {field.get_default()!r})"
        what = f" {field.description}" if field.description else ""
        lines.append(f"  {prefix}{name.upper()}{default}{what}")
    return "\n".join(lines)


def parser(name: str, settings: type[BaseSettings]) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog=f"python -m jbplein_{name}",
        description=f"Run the JB-plein {name} service (settings from the environment).",
        epilog=settings_help(settings),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
