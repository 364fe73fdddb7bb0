"""Parsing of draft regulation texts into chapters, sections and articles."""
