"""The macOS backend.

``ffi/`` holds the ctypes layer (libraries opened on first use, never at import), ``decode/`` the
pure functions from native bytes and converted CoreFoundation values to records, and the
collectors (``cpu``, ``memory``, ``disk``, ``net``, ``process``, ``battery``) join the two. Importing
this package on another platform is safe and loads nothing.
"""
