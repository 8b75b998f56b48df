"""Reports for the cluster's staff built from what members asked (see :mod:`.gaps`)."""

from assistant.insights.gaps import GapGroup, cluster, group_gaps

__all__ = ["GapGroup", "cluster", "group_gaps"]
