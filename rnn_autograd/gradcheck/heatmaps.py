"""`rnn-gradcheck --plot DIR`: where the error of a failing function sits, as PNG heatmaps.

For each failing function, each wrong array of its first failing case is reduced to two
dimensions: timestep x last axis for arrays with a T axis (the largest error over the batch),
rows x columns for matrices (dWx: input unit x gate column, with the i, f, o, g blocks marked).
"""
import os

import numpy as np

from layer_contracts.dims import names

INSTALL_HINT = "pip install 'rnn-autograd[plot]'"


class PlotUnavailable(ImportError):
    """matplotlib is not installed; the message says how to install the optional extra."""


def _figure_class():
    """Return matplotlib's Figure class, or raise PlotUnavailable with the install hint."""
    try:
        import matplotlib  # noqa: F401  (the package first: a missing one fails here)
        from matplotlib.figure import Figure
    except ImportError as error:
        raise PlotUnavailable(
            f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}") from error
    return Figure


def _make_parent_directory(path):
    """Create the directory that will hold path, if path names one and it does not exist."""
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)


_AXIS_NAMES = {"N": "batch row n", "T": "timestep t", "D": "input unit", "H": "hidden unit",
               "4H": "gate column", "V": "word index", "M": "output unit"}


def error_matrix(got, want, dims):
    """Reduce |got - want| to (rows, columns); return (matrix, row dim, column dim)."""
    error = np.abs(got.astype(np.float64) - want.astype(np.float64))
    letters = names(dims)
    if error.ndim == 0:
        return error.reshape(1, 1), "", ""
    if error.ndim == 1:
        return error[None, :], "", letters[-1]
    rows = letters.index("T") if "T" in letters else 0
    moved = np.moveaxis(error, [rows, error.ndim - 1], [0, 1])
    matrix = moved.reshape(moved.shape[0], moved.shape[1], -1).max(axis=2)
    return matrix, letters[rows], letters[-1]


def write_heatmaps(report, directory, out=None):
    """Write one PNG per wrongly valued array of each failing function; return the paths."""
    os.makedirs(directory, exist_ok=True)
    paths = []
    for result in report.results.values():
        arrays = [(name, got, want, dims) for name, got, want, dims in
                  (result.evidence if result.status == "fail" else [])
                  if got.shape == want.shape and got.ndim]
        matrices = [(name,) + error_matrix(got, want, dims) for name, got, want, dims in arrays]
        # one colour scale for all the pictures of a function, so that they compare at a glance
        finite = [m[np.isfinite(m) & (m > 0)] for _, m, _, _ in matrices]
        finite = np.concatenate(finite) if finite else np.array([])
        scale = (float(finite.min()), float(finite.max())) if finite.size else None
        for name, matrix, row_dim, column_dim in matrices:
            gate_size = matrix.shape[1] // 4 if column_dim == "4H" else None
            title = (f"{result.function}: |{name} returned - {name} of autograd|, max "
                     f"{float(np.nanmax(matrix)):.1e} (tolerance {result.tolerance:.0e})")
            path = os.path.join(directory, f"{result.function}-{name}.png")
            error_heatmap(matrix, path, title, gate_size=gate_size,
                          row_label=_AXIS_NAMES.get(row_dim, "row"),
                          column_label=_AXIS_NAMES.get(column_dim, "column"),
                          scale=scale, tolerance=result.tolerance)
            paths.append(path)
    return paths


def error_heatmap(errors, path, title, gate_size=None, row_label="timestep t",
                  column_label="hidden unit", scale=None, tolerance=None):
    """Draw a heatmap of absolute gradient errors on a log colour scale and write it as a PNG.

    Exact zeros have no logarithm: they are drawn in light grey and named "exactly 0" in the
    legend; NaN or infinite errors are drawn in black. With gate_size, the columns are the
    packed LSTM gates: thin vertical lines split them into the blocks i, f, o, g, named on top.

    Inputs:
    - errors: (rows, columns) absolute errors |your gradient - reference|, e.g. (T, H) for dh
      or (T, 4H) for gate gradients; a 1-D array (e.g. db) is drawn as a single row
    - path: where to write the PNG (parent directories are created)
    - title: figure title, e.g. "lstm_backward: dx, max error 3e-02"
    - gate_size: H, if the columns are the 4H packed gates i, f, o, g; None otherwise
    - row_label: label of the vertical axis
    - column_label: label of the horizontal axis
    - scale: (smallest, largest) of the colour scale, shared by the pictures of one function;
      default: this array's own range. The scale always reaches down to the tolerance.
    - tolerance: drawn as a line on the colour bar, so that "how wrong" reads at a glance

    Returns:
    - path

    Raises PlotUnavailable (an ImportError) if matplotlib is not installed, and ValueError if
    errors is not 1-D or 2-D, has negative entries, or has a column count that is not
    4 * gate_size.
    """
    errors = np.asarray(errors, dtype=np.float64)
    if errors.ndim == 1:
        errors = errors[None, :]                                    # (1, columns)
    if errors.ndim != 2:
        raise ValueError(f"error_heatmap: errors must be 1-D or 2-D; got shape {errors.shape}")
    if np.any(errors < 0):
        raise ValueError("error_heatmap: errors must be absolute values (>= 0); got negatives")
    rows, columns = errors.shape
    if gate_size is not None and columns != 4 * gate_size:
        raise ValueError(f"error_heatmap: errors has {columns} columns; expected "
                         f"4 * gate_size = {4 * gate_size} (the gates i, f, o, g)")
    Figure = _figure_class()
    from matplotlib.colors import ListedColormap, LogNorm
    from matplotlib.patches import Patch

    finite = np.isfinite(errors)
    positive = finite & (errors > 0)
    if positive.any():
        smallest, largest = errors[positive].min(), errors[positive].max()
    else:
        smallest, largest = 1e-16, 1e-16                # nothing to scale: an all-zero map
    if scale is not None:
        smallest, largest = scale
    if tolerance:
        smallest = min(smallest, tolerance / 10)
    if largest <= smallest:
        smallest, largest = smallest / 10, largest * 10  # LogNorm needs vmin < vmax

    width = min(14.0, max(6.0, 0.25 * columns + 2.5))
    height = min(10.0, max(3.0, 0.3 * rows + 2.0))
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(np.ma.masked_where(~positive, errors), norm=LogNorm(smallest, largest),
                        cmap="viridis", aspect="auto", interpolation="nearest")
    zero_cells = np.ma.masked_where(~(finite & (errors == 0)), np.ones_like(errors))
    bad_cells = np.ma.masked_where(finite, np.ones_like(errors))
    axes.imshow(zero_cells, cmap=ListedColormap(["lightgrey"]), aspect="auto",
                interpolation="nearest")
    axes.imshow(bad_cells, cmap=ListedColormap(["black"]), aspect="auto", interpolation="nearest")
    colorbar = figure.colorbar(image, ax=axes, label="absolute error (log scale; red: tolerance)")
    if tolerance:
        colorbar.ax.axhline(tolerance, color="red", linewidth=2)
    from matplotlib.ticker import MaxNLocator
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # units and timesteps are integers
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))

    legend = []
    if (finite & (errors == 0)).any():
        legend.append(Patch(facecolor="lightgrey", edgecolor="grey", label="exactly 0"))
    if (~finite).any():
        legend.append(Patch(facecolor="black", label="NaN or infinite"))
    if legend:
        axes.legend(handles=legend, loc="upper left", bbox_to_anchor=(0, -0.12),
                    ncol=len(legend), fontsize="small", frameon=False)

    if gate_size is not None:
        for block in range(1, 4):
            axes.axvline(block * gate_size - 0.5, color="white", linewidth=1.5)
        gate_axis = axes.secondary_xaxis("top")
        gate_axis.set_xticks([(block + 0.5) * gate_size - 0.5 for block in range(4)])
        gate_axis.set_xticklabels(["i (input)", "f (forget)", "o (output)", "g (candidate)"])
        gate_axis.tick_params(length=0)
    axes.set_xlabel(column_label + (f" (H = {gate_size} columns per gate)"
                                    if gate_size is not None else ""))
    axes.set_ylabel(row_label)
    axes.set_title(title)
    _make_parent_directory(path)
    figure.savefig(path, dpi=100)
    return path
