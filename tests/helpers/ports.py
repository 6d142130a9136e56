"""Free TCP ports for the servers the tests start, out of the way of outgoing connections.

The chooser lives in tools/processes.py (the endurance run uses it too, and
tools must not import the tests); its docstring says why the ports lie below
the ephemeral range.
"""

from tools.processes import free_port

__all__ = ["free_port"]
