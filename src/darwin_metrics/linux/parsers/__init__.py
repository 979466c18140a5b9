"""Pure parsers, one function per kernel file: bytes (or text) in, plain values out.

No parser does I/O. Each raises :class:`~darwin_metrics.errors.ParseError` naming the file for input
that does not have the documented format, and nothing else.
"""
