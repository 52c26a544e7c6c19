"""Input and output: what the library reads and writes, and nothing that executes code.

``snapshot.py``: one epoch's inputs as ``.npz`` or JSON (``yuma epoch FILE``).
"""
