from duban.cli.app import main

main()
