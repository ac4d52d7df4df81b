"""Browser calls (SmallWebRTC signaling, widget sessions, the widget). Not built yet: browser users
talk to Hard-E through the typed-conversation API for now. The pipeline is ready for it
(``pipeline.run_call`` takes any Pipecat transport; ``on_update`` streams the live transcript)."""
