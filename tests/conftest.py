pytest_plugins = ["tests.mediawiki_server"]
