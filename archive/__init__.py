"""Living Archive: movement memory kept as records and published as a static site."""

__version__ = "0.1.0"
