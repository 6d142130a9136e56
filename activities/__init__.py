"""Activities: all I/O the workflows need, behind classes that receive their clients."""
