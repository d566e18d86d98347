"""Signal receivers of the registry (none yet that change state outside services)."""
