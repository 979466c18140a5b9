"""The native layer: ctypes only, loaded lazily.

``structs``, ``constants`` and ``signatures`` are declarations (importable anywhere). ``libc``,
``libproc``, ``cf`` and ``iokit`` call into libSystem, CoreFoundation and IOKit through
:mod:`loader`, which opens a library the first time one of its functions is needed; ``netio``
issues the interface ioctls through :func:`fcntl.ioctl`.
"""
