"""Calling developers' servers: one send path and one classification, shared by the performance
test, notification delivery and the cancel simulation.

``sender`` (pools, redirects, the Exchange) sits on ``connection`` (one HTTP/1.1 connection:
``timestamps`` for kernel receive times, ``reply`` for parsing, ``tls`` for https), ``pool`` and
``target`` (URLs); ``policy`` says which URLs and redirect hops may be called; ``errors`` names
every failure; ``results`` holds what callers get and judge.
"""
