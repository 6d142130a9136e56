"""Running the engine's services in this process: `onboarding up`, `worker` and `api`.

up.py          `onboarding up`: dev server, worker and API together, one data dir
standalone.py  `onboarding worker` and `onboarding api`, against a given Temporal
devserver.py   the Temporal dev server as a child process
datadir.py     the layout of the data dir: files, lock, first-start marker
bootstrap.py   first-start work: schema, admin token, the region's workflows
services.py    the worker and the API server as async context managers
signals.py     SIGINT/SIGTERM turned into a clean stop
errors.py      what can go wrong, as one-line messages
"""
