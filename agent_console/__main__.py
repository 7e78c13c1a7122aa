import sys

from agent_console.cli import main

sys.exit(main())
