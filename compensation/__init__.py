"""ecocomp: cross-boundary water-quality ecological compensation engine."""

__version__ = "0.1.0"
