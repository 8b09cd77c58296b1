"""The package's version: troupe's (CMakeLists.txt's project VERSION)."""

__version__ = "0.1.0"
