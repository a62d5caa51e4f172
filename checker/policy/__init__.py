"""The policy: load (YAML -> documents), schema, model, semantic rules, validate, expectations.

``load.load_repo`` reads every file once into a ``LoadedRepo`` (the model plus the typed
``scanning`` and ``sandbox`` settings); ``validate.validate_repo`` adds the rules of
``rules/``; ``expectations`` runs ``policy/tests``.
"""
