"""The app module Solara imports for ``negsim view`` (SOLARA_APP): its ``Page`` is the page.

Only Solara imports it, after :func:`negsim.view_page.serve` has set the page's configuration
in the environment.
"""

from negsim.view_page import build

Page = build()
