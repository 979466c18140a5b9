"""Pure decoders: native bytes, sysctl values and converted CoreFoundation dictionaries → records.

Nothing here calls the operating system, so everything here runs, and is tested, on any platform
against data captured on real Macs. Malformed input raises
:class:`~darwin_metrics.errors.ParseError` and nothing else.
"""
