"""Shared helpers of the test suite (not a test module)."""

import contextlib
import os
from unittest import mock

import cutter_agent

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(ROOT, "fixtures", "sample_constitution.md")


def sample_text() -> str:
    with open(SAMPLE, encoding="utf-8") as fh:
        return fh.read()


@contextlib.contextmanager
def killswitch_on_in_sandbox():
    """Flips the kill-switch for the duration of one in-process test only.

    Used to prove what the code would do *behind* the switch, always against
    fakes. The shipped constant is never changed; the patch is undone on exit.
    """
    with mock.patch.object(cutter_agent, "__execution_enabled__", True):
        yield
