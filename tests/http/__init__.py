"""The HTTP surface: the wire's rules, health, the playground, the schema's switches, fuzzing."""
