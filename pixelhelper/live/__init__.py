"""Live mode: the mitmproxy addon, the proxy child process, and the views of a running session.

Only this package (and `sources`) imports mitmproxy; the pipeline core never does.
"""
