"""The package's version: one place, read by the CLI, the health check and the OpenAPI document."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("appstore-sandbox")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
