"""The only code that crosses Apple's surfaces: start a performance test after configuring the
realtime URL (``performance_test_starter``), and what follows a simulated cancellation
(``simulate_cancel``). Each is a control-surface route and the few lines it needs."""
