"""The pure core: from a message's text to a decision, with no network, storage or web framework.

``find`` (links in text), ``urls`` and ``link`` (WHATWG parsing into one frozen link value),
``unwrap`` (redirect wrappers), ``identify`` and ``platforms`` (the platform data files), ``clean``
and ``clearurls`` (tracking parameters), ``structural`` and ``ipforms`` (a URL's shape), ``psl`` and
``scripts`` (bundled Unicode and public-suffix data), ``policy`` and ``neutrality`` (the public policy
and its proof), ``model`` (the values that cross module lines).

Around it, each in its own package: ``safety`` (screening: threat feeds, lookalikes), ``net`` (the
one guarded door to the network), ``preview`` (cards), ``store`` (audit log and shared cache),
``service`` (what every front end shares), and the front ends ``web``, ``commands`` and ``matrix``.
``pipeline`` joins the stages. A test (``tests/core/test_layers.py``) holds the core to importing
only itself, ``hutong.errors`` and ``hutong.config``.
"""
