"""The composition root: the FastAPI app factory (``create_app``), its lifespan and the `harde` CLI.

``harde.services.build_services`` builds every service of the process once and gives each door
(pipeline, telephony, webrtc, api) its own narrow container of those instances. It wires
every other package together and is imported by none of them.
"""
