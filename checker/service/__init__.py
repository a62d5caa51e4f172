"""``skillgate serve``: the HTTP policy decision point agents call, and what it stands on
(bearer tokens stored hashed in ``tokens``)."""
