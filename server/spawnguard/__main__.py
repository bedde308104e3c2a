from spawnguard.cli import main

# Guarded: `spawnguard check` analyses big trees in worker processes, and under spawn those
# re-import this module (the very bug spawnguard reports).
if __name__ == "__main__":
    raise SystemExit(main())
