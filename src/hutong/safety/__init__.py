"""Safety screening: threat feeds in a hash-prefix index, operator lists, lookalikes, the screening chain."""
