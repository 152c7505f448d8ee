"""The ``openndc`` command line: one module per subcommand."""
