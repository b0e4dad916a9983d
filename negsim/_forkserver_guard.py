"""Imported only in multiprocessing's forkserver (it is in the pool's preload list): the
kernel kills the forkserver when the negsim that started it dies (see negsim.processes)."""

from negsim.processes import die_with_parent

die_with_parent()
