"""The live terminal dashboard behind ``darwin-metrics top``, built on Textual (the ``cli`` extra).

Modules: :mod:`.app` (the application), one module per panel (``panel_*``), :mod:`.proctable`
(the process table widget) over :mod:`.procview` (sorting, tree, filter and column choice, plain
Python), :mod:`.dialogs` (confirmations), :mod:`.actions` (signals and nice values),
:mod:`.history` (the short histories behind the sparklines), :mod:`.lines` (the line-based widget
that repaints only changed lines), :mod:`.source` and :mod:`.details` (which process fields are
read for every row, and the rows on screen read whole). Only the ``top`` command imports this
package.
"""
