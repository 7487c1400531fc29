import sys

from femngd.cli import main

sys.exit(main())
