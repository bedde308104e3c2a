from spawnguard.cli import main

raise SystemExit(main())
