"""One module per page family; each handler is a plain function of the request."""
