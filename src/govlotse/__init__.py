"""GovLotse — guiding cooperations between public administrations and start-ups."""

__version__ = "0.1.0"
