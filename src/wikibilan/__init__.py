"""wikibilan: audit the figures a MediaWiki community published against its own wiki."""

__version__ = "0.1.0"
