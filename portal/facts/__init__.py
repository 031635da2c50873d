"""Facts: the contract's data as the compliance rules and the score sheet read it, gathered in one place."""
