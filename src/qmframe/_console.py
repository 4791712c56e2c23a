"""Small helpers the command-line modules share: printing lines and reading dates."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

__all__ = ["err", "out", "parse_date"]


def out(text: str) -> None:
    """Print to stdout, ending with exactly one newline."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    """Print to stderr, ending with exactly one newline."""
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def parse_date(text: str) -> dt.date:
    """An argparse type for YYYY-MM-DD dates with a plain error message."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
