from appstore_sandbox.cli import main

main()
