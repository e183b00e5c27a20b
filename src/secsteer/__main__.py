from secsteer.cli.main import entry

entry()
