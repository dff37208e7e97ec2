"""`rnn-gradcheck --plot DIR`: where the error of a failing function sits, as PNG heatmaps.

For each failing function, each wrong array of its first failing case is reduced to two
dimensions: timestep x last axis for arrays with a T axis (the largest error over the batch),
rows x columns for matrices (dWx: input unit x gate column, with the i, f, o, g blocks marked).
"""
import os

import numpy as np

from rnn_autograd.plots import error_heatmap

_AXIS_NAMES = {"N": "batch row n", "T": "timestep t", "D": "input unit", "H": "hidden unit",
               "4H": "gate column", "V": "word index", "M": "output unit"}


def error_matrix(got, want, dims):
    """Reduce |got - want| to (rows, columns); return (matrix, row dim, column dim)."""
    error = np.abs(got.astype(np.float64) - want.astype(np.float64))
    letters = dims.split(",") if dims else []
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
        for name, got, want, dims in result.evidence if result.status == "fail" else []:
            if got.shape != want.shape or got.ndim == 0:
                continue
            matrix, row_dim, column_dim = error_matrix(got, want, dims)
            gate_size = matrix.shape[1] // 4 if column_dim == "4H" else None
            title = f"{result.function}: |{name} - reference|, max {float(np.nanmax(matrix)):.1e}"
            path = os.path.join(directory, f"{result.function}-{name}.png")
            error_heatmap(matrix, path, title, gate_size=gate_size,
                          row_label=_AXIS_NAMES.get(row_dim, "row"),
                          column_label=_AXIS_NAMES.get(column_dim, "column"))
            paths.append(path)
    return paths
