"""Emitters: pure functions from a validated Project to text."""
