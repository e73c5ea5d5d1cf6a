"""The realtime exchange: the signed RealtimeRequestBody Apple sends to a developer's Get
Retention Message endpoint, and how its RealtimeResponseBody is judged (structure, catalog rules,
offer signatures) and shown on the cancel sheet. Used by the performance test and simulate-cancel.
"""
