"""iu-cutter v0.4 skeleton — superseded by v0.6, kept deployed side by side."""

__version__ = "0.4.0"
