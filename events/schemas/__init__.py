"""Renders schemas/ from the contract: a JSON Schema per message version, an AsyncAPI 3 document.

Pure: rendering reads the registry only. `files` writes the result and compares it with a folder.
"""
