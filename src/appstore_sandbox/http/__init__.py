"""The HTTP pipeline of ``serve``: the ASGI app (``app.create_app``), the gate in front of every
route (Host and Origin checks, Apple's bearer token, the admin token, body limits), the one error
response, the OpenAPI extras, ``/docs`` and the home page.

Internal to the server. The public API is ``appstore_sandbox.Sandbox`` (``testing``), the pytest
plugin (``pytest_plugin``) and the ``appstore-sandbox`` command (``cli``).

A subpackage named like the standard library's ``http``: it is only ever imported by its full
name (``appstore_sandbox.http``), so ``import http.client`` anywhere, here included, still means
the standard library's.
"""
