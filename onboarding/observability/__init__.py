"""What operators see of a running service: metrics and logs.

metrics.py   the app's Prometheus metrics and the worker's metrics endpoint
runtime.py   the Temporal SDK's own Prometheus metrics (a Runtime per process)
logs.py      text or JSON logs (one object per line, with workflow and municipality)
"""
