"""The live web page: a WSGI app (:func:`~darwin_metrics.web.app.make_app`) and its static files."""
