"""DC charging hardware that is not one vendor's: modules in parallel as one stack."""
