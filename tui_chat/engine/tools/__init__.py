"""Tools the model can call: schemas from signatures, the registry that runs calls, user modules, examples."""
