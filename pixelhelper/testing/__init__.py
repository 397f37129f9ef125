"""pixelhelper in a Playwright test suite: a pytest plugin (registered by entry point, inert
until a test asks for its fixtures). `plugin` has the fixtures, `capture` the proxy they start
and the traffic each test sees, `report` what a test asserts on."""
