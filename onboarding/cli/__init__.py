"""The `onboarding` command line: the embedded runner, the services, and a client of the API.

main.py     the Typer app: options and arguments, one hand-off per command
actions.py  what the API-backed commands do
client.py   a small httpx client of the REST API and its errors
inputs.py   local checks of what the user typed, before any request
output.py   tables and JSON for people and scripts
"""
