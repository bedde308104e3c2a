from spawnguard.server import main

raise SystemExit(main())
