from tier1_sync.cli import main

main()
