"""The compiled model: one exchange of a forum for a batch of runs (numba, cached).

See :mod:`negsim.kernel.exchange`; :mod:`negsim.dynamics` drives it.
"""
