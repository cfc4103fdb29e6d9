"""The one error type for bad input: it names what was expected and what was received."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input (an option value, a file, a claim). The CLI prints it on one line, exit 2.

    >>> str(InputError("activation", "one of: sigmoid, tanh", "sigmod"))
    "activation: expected one of: sigmoid, tanh; received 'sigmod'"
    """

    def __init__(self, what: str, expected: str, received: object, hint: str = "") -> None:
        self.what, self.expected, self.received, self.hint = what, expected, received, hint
        message = f"{what}: expected {expected}; received {received!r}"
        super().__init__(f"{message}. {hint}" if hint else message)


def choose_one(what: str, name: str, valid: list[str] | tuple[str, ...]) -> InputError:
    """An `InputError` for an unknown registry name, listing the valid names."""
    return InputError(what, "one of: " + ", ".join(sorted(valid)), name)
