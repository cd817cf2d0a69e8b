"""High-level communication with the EV (DIN SPEC 70121, ISO 15118-2) through the `iso15118` package.

It runs as a child process in an environment of its own (.venv-hlc: iso15118 pins pydantic 1 and
cryptography exactly, which the controller's environment cannot share), and talks to the controller
over a Unix socket in JSON lines (hlc.protocol). Only hlc.protocol is imported by the controller; the
rest imports iso15118 and runs in the child.
"""
