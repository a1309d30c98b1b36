"""newsbot's front ends: the Discord bot and the ``newsbot`` command line."""
