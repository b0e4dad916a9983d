"""The kernel's codes for the registered rules, importable without compiling anything.

The scenario schema and its checks read the rule registries, and the registered classes name
their kernel code; keeping the codes here lets ``negsim validate`` and ``negsim schema`` run
without loading numba.
"""

# bloc rules (BlocRule.kernel); -1: the party is one actor
CONSENSUS, MAJORITY = 0, 1
# what a forum puts to the table (ForumRule.proposal_kind)
MEAN, MEDIAN, NASH = 0, 1, 2
# who must accept (ForumRule.decides)
PARTIES, EVERYONE, VOTE = 0, 1, 2
# the tactic families (Tactic.kernel)
POLYNOMIAL, LINEAR, TIT_FOR_TAT, EXPONENTIAL, TRADEOFF, RELATIVE = 0, 1, 2, 3, 4, 5
KAPPA = 0.01  # the exponential family's opening share of its range
