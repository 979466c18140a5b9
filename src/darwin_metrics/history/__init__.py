"""History: samples recorded in SQLite, read back by metric path, plotted.

:class:`~darwin_metrics.history.recorder.Recorder` writes, :func:`~darwin_metrics.history.query.query`
reads, :func:`~darwin_metrics.history.paths.default_db_path` is where both look by default. See
docs/history.md.
"""
