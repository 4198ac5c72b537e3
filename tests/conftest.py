pytest_plugins = ["tests.mediawiki_server", "tests.archive_server", "tests.fault_proxy"]
