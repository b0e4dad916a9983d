"""Imported only in multiprocessing's forkserver (it is in the pool's preload list): the
kernel kills the forkserver when the negsim that started it dies (see negsim.processes)."""

from negsim.processes import collect_after_start, die_with_parent

collect_after_start(within=None)  # before the preload: a worker collects after its first chunk
die_with_parent()
