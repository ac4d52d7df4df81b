"""The composition root: the FastAPI app factory (``create_app``), its lifespan and the `harde` CLI.

It wires every other package together and is imported by none of them.
"""
