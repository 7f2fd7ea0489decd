"""The HTTP front end of the service core (``hutong.service``): the API, go-link and other pages, metrics.

``hutong.web.app.create_app(cfg)`` builds the app; ``hutong serve`` runs it (see ``docs/service.md``).
"""
