"""The `onboarding` command line: the embedded runner, the services, and a client of the API.

main.py     the Typer app: options and arguments, one hand-off per command
actions.py  what the API-backed commands do
client.py   a small httpx client of the REST API and its errors
inputs.py   local checks of what the user typed, before any request
output.py   tables and JSON for people and scripts
"""

import os

from onboarding.embedded.bytecode import keep_bytecode

# Pydantic looks for plugins in every installed distribution's entry points
# when it builds its first model: 9-20 ms of each start here, for plugins this
# project has none of. A value the user sets is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# Before any other module of the command is imported: where Python writes no
# bytecode (PYTHONDONTWRITEBYTECODE, an editable install) every start would
# compile the command's modules from source again, 20-25 ms of its 200 ms
# budget (#21); the worker does the same for its sandbox (embedded/bytecode.py).
keep_bytecode()
