"""sitmon: a terminal situation monitor for armed conflicts."""

__version__ = "0.1.0"
