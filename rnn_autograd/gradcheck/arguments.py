"""argparse types of the checker's commands (rnn-gradcheck and rnn-gradcheck grade): each turns
a bad value into one line that says what was expected."""
import argparse
import math

A_DAY = 24 * 3600.0


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def seconds(text):
    """A finite number of seconds above 0, at most a day (0, -1, nan and inf are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= A_DAY):
        raise argparse.ArgumentTypeError("must be a number of seconds above 0 and at most a day, "
                                         f"got {text}")
    return value
