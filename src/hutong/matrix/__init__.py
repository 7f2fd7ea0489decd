"""hutong in Matrix: what a Matrix adapter reads from an event, and the application-service bot.

``content`` is pure and stdlib-only (the Synapse module ``hutong_synapse`` carries a copy of it);
``answer`` builds the bot's notice; ``registration`` writes and reads the appservice registration;
``checker`` is how the bot asks hutong (the service core in its own process, or ``hutong serve`` over
HTTP); ``bot`` is the running appservice (needs the ``hutong[matrix]`` extra).
"""
