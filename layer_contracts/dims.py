"""The dims language of the project, parsed here and nowhere else.

A dims string names the axes of an array with the legend letters, comma separated:
"N,T,4H" is (batch, time, four packed hidden blocks). Each axis is a letter or a positive
multiple of one ("4H", the LSTM gates i, f, o, g). "" is a scalar.

Legend: N batch, T time, D input, H hidden, V vocabulary, M output.
"""
import functools

LETTERS = ("N", "T", "D", "H", "V", "M")


class DimsError(ValueError):
    """A dims string that is not in the language (a bug in a layer table, not in user input)."""


@functools.lru_cache(maxsize=None)
def parse(dims):
    """'N,T,4H' -> ((1, 'N'), (1, 'T'), (4, 'H')); '' -> ()."""
    axes = []
    for axis in filter(None, dims.split(",")):
        factor, letter = axis[:-1], axis[-1:]
        if letter not in LETTERS or not (factor == "" or factor.isdigit() and int(factor) > 0):
            raise DimsError(f"cannot read the axis {axis!r} of the dims {dims!r}; expected a "
                            "legend "
                            f"letter ({', '.join(LETTERS)}) or a multiple of one, such as 4H")
        axes.append((int(factor) if factor else 1, letter))
    return tuple(axes)


def names(dims):
    """'N,T,4H' -> ('N', 'T', '4H'): the axes as written."""
    return tuple(f"{factor}{letter}" if factor != 1 else letter for factor, letter in parse(dims))


def letters(dims):
    """'N,T,4H' -> ('N', 'T', 'H'): the size letters of the axes, in order."""
    return tuple(letter for _, letter in parse(dims))


def size_of(axis, sizes):
    """The size of one axis ('4H') for sizes {'H': 3, ...}: 12; None if its letter is unknown."""
    ((factor, letter),) = parse(axis)
    return factor * sizes[letter] if letter in sizes else None


def shape_of(dims, sizes):
    """(N, T, 4H) for dims "N,T,4H" and the given sizes; () for ""."""
    return tuple(factor * sizes[letter] for factor, letter in parse(dims))


def axis_of(dims, letter):
    """Index of the axis whose letter is `letter` ('T' in 'N,T,D' -> 1), or None."""
    found = letters(dims)
    return found.index(letter) if letter in found else None


def gate_axis(dims):
    """Index of the packed-gates axis 4H ('D,4H' -> 1), or None."""
    return next((index for index, axis in enumerate(parse(dims)) if axis == (4, "H")), None)
