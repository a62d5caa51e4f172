"""skillgate sandbox: base image, hermetic build, governed hardened run, warm pool, verify."""
