from connectors.telegram.bridge import main

main()
