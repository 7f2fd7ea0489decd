"""The gateway service: HTTP API, signed go-links, pages, user prefs, API keys and metrics.

``hutong.web.app.create_app(cfg)`` builds the app; ``hutong serve`` runs it (see ``docs/service.md``).
"""
