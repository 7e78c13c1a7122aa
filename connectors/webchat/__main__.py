from connectors.webchat.app import main

main()
