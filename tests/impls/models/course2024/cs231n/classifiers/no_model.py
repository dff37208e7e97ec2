"""A classifiers file without any captioning model class: a one-line error, not a traceback."""
import numpy as np


def loss(features, captions):
    return 0.0, {}
