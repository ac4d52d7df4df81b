from tests.brain.conftest import world  # noqa: F401 - the same brain on real parts
