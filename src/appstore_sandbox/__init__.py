"""appstore-sandbox: Apple's retention messaging and notification testing, on your machine."""

__version__ = "0.1.0"
