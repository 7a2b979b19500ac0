"""Example workflows shipped with the package, shown when ``[core] load_examples`` is true."""
